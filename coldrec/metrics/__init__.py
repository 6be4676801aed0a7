"""Metrics, one value per user: accuracy (:mod:`.accuracy`), beyond accuracy (:mod:`.beyond`) and
inequality of exposure (:mod:`.inequality`). Each is checked against hand-computed values.

Offers
------
- :mod:`.accuracy`: Accuracy metrics, one value per user, over full rankings (no sampled negatives).
- :mod:`.beyond`: Beyond-accuracy figures of a model run's recommendation lists: coverage, popularity bias, novelty,
  diversity.
- :mod:`.inequality`: How unequal a distribution is: the Gini coefficient and the Lorenz curve (item popularity,
  exposure).
"""

from coldrec.metrics.accuracy import (
    DEFINITIONS,
    METRICS,
    auc,
    hit_rate_at_k,
    hits_matrix,
    map_at_k,
    mrr_at_k,
    ndcg_at_k,
    precision_at_k,
    rating_errors,
    recall_at_k,
)
from coldrec.metrics.beyond import (
    aplt,
    arp,
    beyond_accuracy,
    catalog_coverage,
    cold_share,
    exposure,
    exposure_gini,
    intra_list_diversity,
    novelty,
    per_user_beyond,
    tail_recall,
)
from coldrec.metrics.inequality import gini, lorenz_curve

__all__ = [
    "DEFINITIONS",
    "METRICS",
    "aplt",
    "arp",
    "auc",
    "beyond_accuracy",
    "catalog_coverage",
    "cold_share",
    "exposure",
    "exposure_gini",
    "gini",
    "hit_rate_at_k",
    "hits_matrix",
    "intra_list_diversity",
    "lorenz_curve",
    "map_at_k",
    "mrr_at_k",
    "ndcg_at_k",
    "novelty",
    "per_user_beyond",
    "precision_at_k",
    "rating_errors",
    "recall_at_k",
    "tail_recall",
]
