from zhengcai.procurement.tests.conftest import (  # noqa: F401 - the procurement fixtures, shared
    _fresh_calendar,
    awarded,
    bidders,
    intention,
    project,
    purchaser,
    tender,
)
