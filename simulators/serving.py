"""``LoopbackServer`` where tests and benchmarks import it from; it lives in the kit.

from simulators.serving import LoopbackServer
"""

from simulators.kit.serving import LoopbackServer

__all__ = ["LoopbackServer"]
