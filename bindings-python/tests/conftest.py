import os
import sys
from pathlib import Path

import seawall

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# The suite must test the installed wheel, never the source tree
# (SEAWALL_DEV=1 allows `maturin develop` while iterating).
_src = (HERE.parent / "python").resolve()
if not os.environ.get("SEAWALL_DEV"):
    assert not Path(seawall.__file__).resolve().is_relative_to(_src), seawall.__file__
