import sys

from lunapole.cli import main

sys.exit(main())
