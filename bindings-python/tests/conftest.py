import sys
from pathlib import Path

import seawall

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# The suite must test the installed wheel, never the source tree.
_src = (HERE.parent / "python").resolve()
assert not Path(seawall.__file__).resolve().is_relative_to(_src), seawall.__file__
