"""``python -m seed_data.demo --out seed_data/demo`` regenerates the committed files."""

from seed_data.demo.cli import main

raise SystemExit(main())
