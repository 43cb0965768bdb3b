"""The local runner: the parts of AWS that moto cannot play, played locally against moto's state.

moto stores the deployed API Gateway and Lambda configuration but cannot serve
an HTTP API or run Lambda code without Docker. The runner reads that deployed
configuration back *from the emulator* (routes, authorizer, integration request
parameters, function environments, event source mappings, role policies) and
acts on it, so a wiring mistake in the Terraform fails here as it would on AWS.
One file per job:

- front_door.py: the HTTP API on 127.0.0.1 (the server and the request path);
  routing.py its routes and request-parameter mapping; authorizer_calls.py the
  authorizer and its cache; sqs_integration.py SQS SendMessage and what SQS
  refuses; lambda_proxy.py Lambda proxy events and Lambda's size limit;
- lambda_runtime.py and worker.py: each function from its built zip, in
  processes of its own, with the deployed environment;
- iam_guard.py: every AWS call a function makes checked against its deployed
  role's inline policies (exact action and resource match);
- sqs_poller.py: the event source mappings;
- runner.py: reading the deployment and starting the rest;
- undocumented.py: the switches for what AWS does not document (a header value
  in the MessageAttributes JSON inserted raw or escaped; duplicate keys resolved
  first-wins, last-wins or rejected).
"""

from .aws import DUMMY_KEY, REGION, aws_client
from .lambda_runtime import InvocationFailed, LocalFunction
from .runner import LocalRunner, start

__all__ = ["DUMMY_KEY", "REGION", "InvocationFailed", "LocalFunction", "LocalRunner", "aws_client", "start"]
