"""The equity ratio's 95% interval, with local authorities (LAs) as clusters.

The equity ratio of a group is R = (a / b) / (c / d): a of the b children of known category in
FGCs held are in the group, c of the d children of known category referred, each summed over the
LAs covered. Children in one LA are not independent (one service, one recording practice), so the
LA is the unit of sampling: the delta method with LAs as primary sampling units gives

    var(log R) = n / (n - 1) * sum_i u_i ** 2,   u_i = a_i / a - b_i / b - c_i / c + d_i / d

(the u_i add up to 0), and the interval is R * exp(+- t * sqrt(var)), t the 97.5% point of
Student's t with the clusters' effective number of degrees of freedom, (sum u_i^2)^2 / sum u_i^4
(Satterthwaite's, at most n - 1): a few large clusters, such as the pooled ones below, do not pass
for many. No finite population correction: the ratio describes how FGC services work, not a fixed
count of children. Deterministic: nothing to re-run.

It reveals nothing about a suppressed count: an LA any of whose counts is suppressed is pooled
with the others like it into one cluster, whose figures are the published total of the area (for
England: of its region, where that is published) minus the published LAs' (see `pooled`). The
interval is then a function of published figures only.

Pure arithmetic; scipy only for the t quantile.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Cluster = tuple[float, float, float, float]  # (a_i, b_i, c_i, d_i) of one LA


def t_quantile(df: float, level: float = 0.95) -> float:
    from scipy.special import stdtrit

    return float(stdtrit(df, 0.5 + level / 2))


def equity_interval(clusters: Sequence[Cluster], level: float = 0.95) -> tuple[float, float] | None:
    """The interval of (a / b) / (c / d) over the clusters; None when it cannot be given (fewer
    than two clusters, or a share of 0 at either stage)."""
    n = len(clusters)
    if n < 2:
        return None
    a, b, c, d = (math.fsum(cluster[k] for cluster in clusters) for k in range(4))
    if min(a, b, c, d) <= 0:
        return None
    ratio = (a / b) / (c / d)
    squares = [(ai / a - bi / b - ci / c + di / d) ** 2 for ai, bi, ci, di in clusters]
    spread = math.fsum(squares)
    fourth = math.fsum(x * x for x in squares)
    df = max(1.0, min(n - 1.0, spread * spread / fourth)) if fourth else n - 1.0
    half = t_quantile(df, level) * math.sqrt(n / (n - 1) * spread)
    return ratio * math.exp(-half), ratio * math.exp(half)


def pooled(area: Cluster, by_la: dict[str, Cluster], hidden: Iterable[str],
           parts: Sequence[tuple[Cluster, Iterable[str]]] = ()) -> list[Cluster]:
    """The clusters a reader could form: every LA whose figures are all published, and the LAs
    with a suppressed figure pooled. Within a published part of the area (a region, for
    England) they form one cluster, the part's figures minus its published LAs'; the rest form
    one cluster, the area's figures minus every other cluster's."""
    hidden = set(hidden)
    clusters = [cluster for code, cluster in sorted(by_la.items()) if code not in hidden]
    for part, codes in parts:
        members = set(codes)
        inside = hidden & members
        if inside:
            shown = [by_la[code] for code in sorted(members) if code in by_la and code not in hidden]
            clusters.append(tuple(part[k] - math.fsum(cluster[k] for cluster in shown) for k in range(4)))
            hidden -= inside
    if hidden:
        clusters.append(tuple(area[k] - math.fsum(cluster[k] for cluster in clusters) for k in range(4)))
    return clusters
