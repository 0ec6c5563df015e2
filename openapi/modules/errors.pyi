# Stands in, when type-checking openapi/modules/ in place, for the generated errors.py
# (openapi/templates/errors.py.jinja): its types are the generated module's own.
from plivo_dtmf_client.errors import *
