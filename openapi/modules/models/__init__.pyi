# Stands in, when type-checking openapi/modules/ in place, for the generated models package.
from plivo_dtmf_client.models import *
