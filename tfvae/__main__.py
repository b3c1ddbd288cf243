"""`python -m tfvae`: the `tfvae` command (`tfvae.commands.main`)."""

import sys

from tfvae.commands.main import main

sys.exit(main())
