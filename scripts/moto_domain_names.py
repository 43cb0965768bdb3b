"""moto's API Gateway custom domain names, answered with the fields AWS returns.

moto stores a domain name's configurations as they were given: no
DomainNameStatus, ApiGatewayDomainName or HostedZoneId. The AWS provider waits
for DomainNameStatus AVAILABLE after creating one (forever, against moto) and
reads the other two for DNS aliases. This patch adds them, as AWS answers for a
regional endpoint: the domain is available at once, its target is
d-<id>.execute-api.<region>.amazonaws.com, and its hosted zone is API Gateway's
regional zone (the us-east-1 one: the emulator runs in us-east-1). And a domain
without mutual TLS has none in the answer, as on AWS (moto answers an empty one,
which the provider reads as a block of empty strings). Nothing else changes.
"""

from __future__ import annotations

import hashlib
from typing import Any

# API Gateway's regional hosted zone in us-east-1 (AWS General Reference, "Amazon API Gateway endpoints and quotas").
REGIONAL_HOSTED_ZONE_ID = "Z1UJRXOUMOOFQ8"


def answered_as_aws(configuration: dict[str, Any], domain_name: str, region: str) -> dict[str, Any]:
    target = "d-" + hashlib.sha256(domain_name.encode()).hexdigest()[:10]
    return {
        "domainNameStatus": "AVAILABLE",
        "apiGatewayDomainName": f"{target}.execute-api.{region}.amazonaws.com",
        "hostedZoneId": REGIONAL_HOSTED_ZONE_ID,
        **configuration,
    }


def install() -> None:
    from moto.apigatewayv2.models import DomainName

    to_json = DomainName.to_json

    def to_json_as_aws(self: DomainName) -> dict[str, Any]:
        document = to_json(self)
        region = self.domain_name_arn.split(":")[3]
        configurations = document["domainNameConfigurations"] or []
        document["domainNameConfigurations"] = [answered_as_aws(c, self.domain_name, region) for c in configurations]
        if not document.get("mutualTlsAuthentication"):
            document.pop("mutualTlsAuthentication", None)
        return document

    DomainName.to_json = to_json_as_aws  # type: ignore[method-assign]
