"""Validating aggregate returns against the spec's rules.

- FGC001-FGC011 (single cells): a pandera schema over the cells of all returns of a batch, plus
  small Python rules for the LA code and name (reference data) and personal data in free text.
- FGC101-FGC112 (consistency inside a return): a Great Expectations suite generated from the spec
  and committed in `validations/`, run once per batch on a wide frame of all returns.
- FGC201-FGC204 (against other returns and reference data): Python over the batch and the returns
  already held.

Importing this package is cheap: pandera and Great Expectations are imported only when a batch is
validated.
"""

from fgc_collect.validate.catalogue import render_catalogue, rule_catalogue
from fgc_collect.validate.engine import SCOPES, validate_returns

__all__ = ["SCOPES", "render_catalogue", "rule_catalogue", "validate_returns"]
