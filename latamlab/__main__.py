"""``python -m latamlab`` hace lo mismo que el comando ``latamlab``."""

import sys

from latamlab.cli import main

sys.exit(main())
