"""The distilled static-token student vs its MiniLM teacher: speed-up and agreement on held-out texts.

Run: ``python -m benchmarks.static_encoder [--quick]``. Distils on 80% of the
sample shop's item texts (plus word spans of them), then compares both
encoders side by side on the held-out 20% of texts and of titles.
"""

from __future__ import annotations

import argparse
import tempfile

import numpy as np

from coldrec.data.ingest import sample_dir
from coldrec.data.io.validate import item_text
from coldrec.text.sentence import SentenceTransformerEncoder
from coldrec.text.static import compare_encoders, distill_static_encoder


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="300 items, few epochs (smoke mode)")
    args = p.parse_args(argv)
    import pandas as pd

    catalog = pd.read_csv(sample_dir() / "catalog.csv", dtype=str)
    if args.quick:
        catalog = catalog.head(300)
    texts, titles = item_text(catalog).tolist(), catalog["title"].tolist()
    order = np.random.default_rng(0).permutation(len(texts))
    cut = int(0.8 * len(texts))
    train, held = order[:cut], order[cut:]
    teacher = SentenceTransformerEncoder()
    with tempfile.TemporaryDirectory() as tmp:
        student = distill_static_encoder(teacher, [texts[i] for i in train], tmp, full_vocab=False,
                                         epochs=10 if args.quick else 100, spans=300 if args.quick else 3000)
        out = {"held-out item texts": compare_encoders(student, teacher, [texts[i] for i in held]),
               "held-out titles": compare_encoders(student, teacher, [titles[i] for i in held])}
    print(f"# static student distilled on {cut} of {len(texts)} sample item texts; compared on the other "
          f"{len(held)}")
    for name, r in out.items():
        print(f"{name:<20} " + "  ".join(f"{k} {v:,.3f}" for k, v in r.items()))
    return out


if __name__ == "__main__":
    main()
