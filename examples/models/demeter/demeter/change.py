"""Land-change arithmetic: harmonising GCAM's regional change with the grid, and
placing each region's land transitions in grid cells.

All quantities here are areas in km², so every transition moves the same area out of
one class and into another inside one cell: land is conserved cell by cell, and the
regional totals match the harmonised targets to rounding error.
"""

from __future__ import annotations

import numpy as np


def harmonize(current: np.ndarray, projected_prev: np.ndarray, projected_now: np.ndarray):
    """Change per class (km²) to apply to a region whose grid totals are ``current``.

    GCAM's change between two years is applied to the gridded state (the way Demeter
    carries the base-year difference between GCAM and the observed land cover forward):
    a decrease is capped at what the grid holds, and then decreases and increases are
    scaled to the same total so the region's land area is conserved.  Classes without
    a projection (NaN) do not change.
    """
    delta = np.nan_to_num(projected_now - projected_prev, nan=0.0)
    delta = np.maximum(delta, -current)
    decrease = -delta[delta < 0].sum()
    increase = delta[delta > 0].sum()
    exchanged = min(decrease, increase)
    if exchanged <= 0:
        return np.zeros_like(delta)
    delta[delta < 0] *= exchanged / decrease
    delta[delta > 0] *= exchanged / increase
    return delta


def waterfill(total: float, weight: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Split ``total`` over cells proportionally to ``weight`` without exceeding ``capacity``.

    Returns ``x`` with ``x = min(lam * weight, capacity)`` and ``x.sum() == total`` (the
    exact water-filling solution, found by sorting the cells by capacity/weight).
    """
    x = np.zeros_like(capacity, dtype=float)
    if total <= 0:
        return x
    cap_total = float(capacity.sum())
    if total >= cap_total:
        return capacity.astype(float, copy=True)
    pos = np.flatnonzero(weight > 0)
    w = weight[pos]
    c = capacity[pos]
    weighted_cap = float(c.sum())
    if total >= weighted_cap:
        # The weighted cells cannot take it all: fill them, and spread the rest over
        # the unweighted cells in proportion to their capacity.
        x[pos] = c
        rest = total - weighted_cap
        others = np.flatnonzero(weight <= 0)
        spare = float(capacity[others].sum())
        if rest > 0 and spare > 0:
            x[others] = capacity[others] * min(rest / spare, 1.0)
        return x
    ratio = c / w
    order = np.argsort(ratio, kind="stable")
    ratio = ratio[order]
    capped_before = np.concatenate(([0.0], np.cumsum(c[order])[:-1]))
    weight_from = np.cumsum(w[order][::-1])[::-1]
    lam = (total - capped_before) / weight_from
    fits = lam <= ratio
    if not fits.any():  # rounding: total is within an ulp of the capacity
        x[pos] = c
        return x
    k = int(np.argmax(fits))  # the first cell not filled to capacity
    x[pos] = np.minimum(lam[k] * w, c)
    return x


def allocate_region(
    fractions: np.ndarray,
    suitability: np.ndarray,
    density: np.ndarray,
    cell_area: np.ndarray,
    cells: np.ndarray,
    delta: np.ndarray,
    intensification_ratio: float,
    transitions: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> None:
    """Apply the regional change ``delta`` (km² per class) to ``fractions`` in place.

    ``fractions``, ``suitability`` and ``density`` are (classes, cells) views of the
    grid; ``cells`` are the flat indices of the region's land cells.  Each contracting
    class d gives area to each expanding class e in proportion to the two changes; the
    cells giving it up are chosen by water-filling with weight

        area_d * suit_e * (r * share_e + (1 - r) * density_e) * (1 - suit_d / 2)

    (r = intensification ratio, share_e = the class's current share of the cell's land,
    density_e = its kernel density, the neighbourhood term), capped by area_d.  Should
    the cells with a positive weight hold too little of d, the rest comes from the other
    cells holding d, in proportion to what they hold.

    When given, ``transitions`` (land cells, from class, to class) accumulates the area
    (km²) each transition moved in each cell; ``rows`` are the region's rows in it.
    """
    losers = np.flatnonzero(delta < 0)
    gainers = np.flatnonzero(delta > 0)
    if losers.size == 0 or gainers.size == 0:
        return
    area = cell_area[cells]
    land = fractions[:, cells].sum(axis=0)  # transitions never change a cell's land
    gain_total = float(delta[gainers].sum())
    for e in gainers:
        for d in losers:
            amount = float(-delta[d]) * float(delta[e]) / gain_total
            have = fractions[d, cells] * area
            amount = min(amount, float(have.sum()))
            if amount <= 0:
                continue
            share = np.divide(fractions[e, cells], land, out=np.zeros_like(land), where=land > 0)
            pull = suitability[e, cells] * (
                intensification_ratio * share + (1.0 - intensification_ratio) * density[e, cells]
            )
            weight = have * pull * (1.0 - 0.5 * suitability[d, cells])
            moved = waterfill(amount, weight, have)
            if transitions is not None:
                transitions[rows, d, e] += moved
            moved /= area
            fractions[d, cells] = np.maximum(fractions[d, cells] - moved, 0.0)
            fractions[e, cells] += moved
