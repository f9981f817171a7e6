"""SVG figures are byte-identical between runs: hashed element ids are renumbered in document order."""

import re

from analysis.plotting import stable_svg_ids


def test_ids_and_their_references_are_renamed_together():
    svg = ('<defs><clipPath id="p3979fdc80a"/><path id="m0123456789"/></defs>'
           '<g clip-path="url(#p3979fdc80a)"><use xlink:href="#m0123456789"/></g>'
           '<g clip-path="url(#p3979fdc80a)"/>')
    out = stable_svg_ids(svg)
    assert out == ('<defs><clipPath id="clip1"/><path id="id2"/></defs>'
                   '<g clip-path="url(#clip1)"><use xlink:href="#id2"/></g><g clip-path="url(#clip1)"/>')


def test_two_runs_with_different_hashes_give_the_same_text():
    a = '<clipPath id="paaaaaaaaaa"/><clipPath id="pbbbbbbbbbb"/><g clip-path="url(#pbbbbbbbbbb)"/>'
    b = '<clipPath id="pcccccccccc"/><clipPath id="pdddddddddd"/><g clip-path="url(#pdddddddddd)"/>'
    assert stable_svg_ids(a) == stable_svg_ids(b)


def test_a_real_figure_with_an_inset_is_stable(tmp_path):
    import matplotlib.pyplot as plt

    from analysis.plotting import save_figure

    texts = []
    for run in range(2):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        ax.inset_axes([0.5, 0.5, 0.4, 0.4]).plot([0, 1], [1, 0])
        ax.twinx().plot([0, 1], [2, 3])
        save_figure(fig, tmp_path / f"run{run}")
        plt.close(fig)
        texts.append((tmp_path / f"run{run}.svg").read_text(encoding="utf-8"))
    assert texts[0] == texts[1]
    assert not re.search(r'id="p[0-9a-f]{10}"', texts[0])
