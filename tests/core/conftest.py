# The outbox carries work of every app: its tests use the apps' own worlds.
from tests.benefits.conftest import *  # noqa: F403
from tests.culture.conftest import palace  # noqa: F401
