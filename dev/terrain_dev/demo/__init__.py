"""The living demo: a quarter of a B2B SaaS company played at accelerated speed on the local stack.

``./terrain up`` runs it once the services are ready (``--no-demo`` skips it); the end-to-end test
runs the shortened version against the four service processes and checks every outcome. The demo is
an outside client of the services: nothing of it runs in production.

The scenario is in ``play.py``; the company in ``org.py``; what it sends in ``seed.py``,
``quarter.py`` and ``field.py``; what it watches in ``observer.py`` and ``receivers.py``.
"""

from .play import Bus, Demo, Ports, environment, run, summary
from .receivers import Receivers

__all__ = ["Bus", "Demo", "Ports", "Receivers", "environment", "run", "summary"]
