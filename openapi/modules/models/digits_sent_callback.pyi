# Stands in, when type-checking openapi/modules/ in place, for the generated model.
from plivo_dtmf_client.models.digits_sent_callback import *
