"""analysis.plotting: the one twin-axis capacity / CE plot."""

import matplotlib.pyplot as plt
import numpy as np
import pint
import pytest

from analysis.plotting import twin_capacity_ce
from analysis.units import Q_


def test_twin_capacity_ce_draws_both_axes_in_their_units():
    fig, ax = plt.subplots()
    cycles = np.arange(1, 4)
    right = twin_capacity_ce(ax, [(cycles, Q_([2.0, 1.9, 1.8], "mA*h/cm^2"), {"label": "capacity"})],
                             [(cycles, Q_([0.92, 0.99, 0.999], ""), {"label": "CE"})])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [2.0, 1.9, 1.8])
    np.testing.assert_allclose(right.lines[0].get_ydata(), [92.0, 99.0, 99.9])
    assert ax.get_ylabel() == "Areal capacity (mAh cm⁻²), ●"
    assert right.get_ylabel() == "Coulombic efficiency (%), □"
    assert ax.get_ylim()[0] == 0
    plt.close(fig)


def test_twin_capacity_ce_refuses_the_wrong_dimension():
    fig, ax = plt.subplots()
    with pytest.raises(pint.DimensionalityError):
        twin_capacity_ce(ax, [([1], Q_([2.0], "V"), {})], [])
    with pytest.raises(pint.DimensionalityError):
        twin_capacity_ce(ax, [], [([1], Q_([2.0], "mA*h"), {})])
    plt.close(fig)
