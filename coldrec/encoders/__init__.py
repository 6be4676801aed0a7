"""Encoders made from the shop's own data: a fine-tuned sentence encoder and a distilled static student.

Both produce something :func:`coldrec.text.load_encoder` can load again: the
fine-tuned encoder is a plain sentence-transformers folder, the static
student a folder with ``static_encoder.json`` (or the spec ``static:<path>``).
"""

from coldrec.encoders.finetune import (
    FineTuneConfig,
    FineTunedEncoder,
    fine_tune_encoder,
    in_batch_loss,
    next_item_pairs,
)
from coldrec.encoders.static import StaticEncoder, compare_encoders, distill_static_encoder

__all__ = ["FineTuneConfig", "FineTunedEncoder", "StaticEncoder", "compare_encoders", "distill_static_encoder",
           "fine_tune_encoder", "in_batch_loss", "next_item_pairs"]
