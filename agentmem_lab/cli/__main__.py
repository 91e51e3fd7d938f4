"""``python -m agentmem_lab.cli``: the same command as ``agentmem-lab``."""

from agentmem_lab.cli import main

raise SystemExit(main())
