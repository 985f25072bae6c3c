"""The catalogue's space: what a new insight is compared with to join an existing theme.

Built from the catalogue's members only (their stored USE vectors and terms), so it is the same on
every replica and does not move when a new week arrives until members are added. Per active theme:

- a USE centroid, after taking out the mean of all catalogue members (the "someone reports something
  at work" direction every insight shares, and much of the kind): cosines then say *what about*;
- a lexical centroid in a TF-IDF space fitted on the members' terms; a manager's rename adds the
  label's own words to the theme's profile, so « notes de frais » pulls in insights that say « frais »;
- curated members (moved there by a manager, or in a theme a manager renamed or merged) count
  :data:`CURATED_WEIGHT` times.

Score = ``w·cos_USE + (1-w)·cos_lexical``, the grouping's blend. Measured on dev weeks 2–3 against week
1's themes (REPORT.md): nearest-theme accuracy 0.60 with raw USE centroids, 0.64–0.67 centred,
0.68–0.81 blended; a nearest-exemplar (k-NN) term did not help and is not used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from insights.themes.catalogue import Catalogue
from insights.themes.features import LexicalSpace, fold, terms_of
from insights.themes.types import Reading, unit_rows

CURATED_WEIGHT: Final = 2.0
USE_WEIGHT: Final = 0.4


@dataclass(frozen=True)
class CatalogueSpace:
    """Active themes' centroids in both halves, and how to put a new insight in the same space."""

    theme_ids: tuple[str, ...]
    use_mean: np.ndarray
    use_centroids: np.ndarray  # (k, 512), unit
    lexical: LexicalSpace
    lexical_centroids: sp.csr_matrix  # (k, features), unit
    use_weight: float

    def scores(self, readings: Sequence[Reading], terms: Callable[[Reading], list[str]] = terms_of) -> np.ndarray:
        """(n, k) blended cosine of each reading with each theme."""
        use = unit_rows(unit_rows(np.stack([r.vector for r in readings])) - self.use_mean)
        lexical = self.lexical.transform([terms(r) for r in readings])
        scores = self.use_weight * (use @ self.use_centroids.T)
        scores += (1 - self.use_weight) * (lexical @ self.lexical_centroids.T).toarray()
        return np.asarray(scores)


def _label_terms(label: str) -> list[str]:
    return [fold(w.strip(",.;:!?«»\"'")) for w in label.split() if len(w.strip(",.;:!?«»\"'")) >= 3]


def catalogue_space(
    cat: Catalogue,
    readings: Mapping[str, Reading],
    terms: Callable[[Reading], list[str]] = terms_of,
    use_weight: float = USE_WEIGHT,
) -> CatalogueSpace | None:
    """The space of the catalogue's active themes (None while it has no member with a stored reading)."""
    themes = [t for t in cat.active_themes() if any(m in readings for m in t.members)]
    if not themes:
        return None
    member_ids = sorted({m for t in themes for m in t.members if m in readings})
    use = unit_rows(np.stack([readings[m].vector for m in member_ids]))
    mean = use.mean(axis=0)
    use = unit_rows(use - mean)
    row_of = {m: i for i, m in enumerate(member_ids)}
    docs = [terms(readings[m]) for m in member_ids]
    lexical, lex_rows = LexicalSpace.fitted(docs)
    ids, use_centroids, lex_centroids = [], [], []
    for theme in themes:
        members = sorted(m for m in theme.members if m in readings)
        weights = np.array([CURATED_WEIGHT if theme.curated or m in theme.pinned else 1.0 for m in members])
        rows = [row_of[m] for m in members]
        use_centroids.append((use[rows] * weights[:, None]).sum(axis=0))
        lex = sp.csr_matrix(weights.reshape(1, -1)) @ lex_rows[rows]
        if theme.curated_label:
            lex = lex + lexical.transform([_label_terms(theme.curated_label)]) * float(weights.sum() / len(members))
        lex_centroids.append(lex)
        ids.append(theme.id)
    return CatalogueSpace(
        theme_ids=tuple(ids),
        use_mean=mean.astype(np.float32),
        use_centroids=unit_rows(np.stack(use_centroids)),
        lexical=lexical,
        lexical_centroids=normalize(sp.vstack(lex_centroids).tocsr()).astype(np.float32),
        use_weight=use_weight,
    )
