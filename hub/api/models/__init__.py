"""What the routes answer, as the OpenAPI document publishes it.

Every route declares one of these as its ``response_model``: FastAPI checks each answer against
it (a shape that drifts fails loudly, in the tests, rather than publishing a false document)
and writes only the fields the service gave (``response_model_exclude_unset``), so a field the
caller may not see stays absent rather than ``null``. The models refuse fields they do not
name (``extra="forbid"``): a field a service adds must be added here too, never dropped.

One module per area; every model is here, as ``models.<Name>``.
"""

from hub.api.models.base import *  # noqa: F403
from hub.api.models.children import *  # noqa: F403
from hub.api.models.front_door import *  # noqa: F403
from hub.api.models.marac import *  # noqa: F403
from hub.api.models.matching import *  # noqa: F403
from hub.api.models.merging import *  # noqa: F403
from hub.api.models.oversight import *  # noqa: F403
from hub.api.models.protection import *  # noqa: F403
from hub.api.models.safety import *  # noqa: F403
