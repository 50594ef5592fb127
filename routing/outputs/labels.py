"""Greedy placement of map labels that do not overlap: plain geometry in display units, no plotting.

Labels are placed one after another in the order given (the most important first). Each
is tried at eight positions around its point, just clear of the point's marker (right,
upper right, above, upper left, left, lower left, below, lower right), then at the same
eight positions farther out, where the map draws a leader line to the point. The first
position whose box stays inside the frame and overlaps no label placed before, no marker
and no fixed obstacle (a legend, the scale bar, the north arrow) is taken. A label may
come in several sizes, longest first (a name, then only a number): when the first finds
no free position the next is tried; a label with no free position in any size is left
out (the point keeps its marker). No I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 with x0 <= x1 and y0 <= y1

# The eight directions tried, in order: right first (how maps are read), then around.
DIRECTIONS = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))


@dataclass(frozen=True)
class Placement:
    """Where one label goes: the index of its point, which of its sizes fits, its box, the
    offset of the box's lower-left corner from the point, and whether it needs a leader line."""

    index: int
    choice: int
    box: Box
    dx: float
    dy: float
    leader: bool


def overlaps(a: Box, b: Box) -> bool:
    """Takes two boxes; returns True when their insides meet (boxes that only touch do not)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def candidates(x: float, y: float, width: float, height: float, radius: float, gap: float,
               rings: Sequence[float] = (1.0, 3.0)) -> list[tuple[Box, bool]]:
    """Takes a point, a label's width and height, the point's marker radius and the gap to
    keep from it; returns the candidate boxes in the order they are tried, each with True
    when it is beyond the first ring (drawn with a leader line)."""
    found = []
    for ring, scale in enumerate(rings):
        distance = radius + gap * scale
        for sx, sy in DIRECTIONS:  # a diagonal corner sits clear of the marker's square
            ax, ay = x + distance * sx, y + distance * sy
            x0, y0 = ax - width * (1 - sx) / 2, ay - height * (1 - sy) / 2
            found.append(((x0, y0, x0 + width, y0 + height), ring > 0))
    return found


def place(points: Sequence[tuple[float, float]], sizes: Sequence[Sequence[tuple[float, float]]],
          radii: Sequence[float], *, frame: Box | None = None, obstacles: Sequence[Box] = (),
          gap: float = 3.0, far: float = 6.0) -> list[Placement]:
    """Takes the points (display units), each label's sizes ((width, height), in the order
    to try them) and each marker's radius, in the order labels should be placed; the frame
    labels must stay inside (None: anywhere), fixed obstacles, the gap from a marker to its
    label and how many gaps out the outer ring lies. Returns one ``Placement`` per label
    placed, in the order placed. Raises ``ValueError`` when ``points``, ``sizes`` and
    ``radii`` differ in length."""
    if not len(points) == len(sizes) == len(radii):
        raise ValueError(f"points, sizes and radii must be as many; got {len(points)}, {len(sizes)}, {len(radii)}")
    markers = [(x - r, y - r, x + r, y + r) for (x, y), r in zip(points, radii)]
    taken: list[Box] = list(obstacles)
    placed = []
    for index, ((x, y), options, radius) in enumerate(zip(points, sizes, radii)):
        spot = _free(x, y, options, radius, gap, far, frame, taken, markers)
        if spot:
            choice, box, leader = spot
            taken.append(box)
            placed.append(Placement(index, choice, box, box[0] - x, box[1] - y, leader))
    return placed


def _free(x, y, options, radius, gap, far, frame, taken, markers) -> tuple[int, Box, bool] | None:
    """The first size and candidate box of a label that is inside ``frame`` and clear of
    ``taken`` and ``markers``, with whether it needs a leader line; None when none is."""
    for choice, (width, height) in enumerate(options):
        for box, leader in candidates(x, y, width, height, radius, gap, (1.0, far)):
            if frame is not None and not (frame[0] <= box[0] and box[2] <= frame[2]
                                          and frame[1] <= box[1] and box[3] <= frame[3]):
                continue
            if any(overlaps(box, other) for other in taken) or any(overlaps(box, m) for m in markers):
                continue
            return choice, box, leader
    return None
