"""Item text and a user's words as vectors: the encoder protocol and factory, sentence-transformers and
bag-of-words encoders, the distilled static student, encoder fine-tuning, the on-disk embedding cache.

Offers
------
- :mod:`.cache`: The on-disk embedding cache: vectors keyed by encoder and text hash.
- :mod:`.factory`: One place that turns an encoder spec string into an encoder.
- :mod:`.finetune`: Fine-tune a sentence encoder on the shop's own sequences (transfer learning).
- :mod:`.hashing`: A bag-of-words encoder: the lexical baseline with no language model.
- :mod:`.protocol`: The text-encoder protocol: what every encoder offers.
- :mod:`.sentence`: Sentence-transformers encoders: the packaged all-MiniLM-L6-v2 or any local model folder, at
  fp32, bf16 or int8.
- :mod:`.static`: A static student encoder distilled from a sentence-transformers teacher.
"""

from coldrec.text.cache import EmbeddingCache, text_key
from coldrec.text.factory import load_encoder
from coldrec.text.finetune import (
    FineTuneConfig,
    FineTunedEncoder,
    fine_tune_encoder,
    in_batch_loss,
    load_trainable,
    next_item_pairs,
)
from coldrec.text.hashing import HashingEncoder
from coldrec.text.protocol import TextEncoder
from coldrec.text.sentence import (
    PRECISIONS,
    SentenceModelEncoding,
    SentenceTransformerEncoder,
    packaged_model_path,
    split_precision,
)
from coldrec.text.static import FORMAT, MARKER, StaticEncoder, compare_encoders, distill_static_encoder, word_spans

__all__ = [
    "EmbeddingCache",
    "FORMAT",
    "FineTuneConfig",
    "FineTunedEncoder",
    "HashingEncoder",
    "MARKER",
    "PRECISIONS",
    "SentenceModelEncoding",
    "SentenceTransformerEncoder",
    "StaticEncoder",
    "TextEncoder",
    "compare_encoders",
    "distill_static_encoder",
    "fine_tune_encoder",
    "in_batch_loss",
    "load_encoder",
    "load_trainable",
    "next_item_pairs",
    "packaged_model_path",
    "split_precision",
    "text_key",
    "word_spans",
]
