"""Training runs: the experiment pipeline, the run folder (:mod:`.store`), background jobs and their worker,
hyperparameter search, and where the heavy stages execute (:mod:`.engine`).

Offers
------
- :mod:`.experiment`: One training run: split, encode text, fit models, evaluate; everything saved under the run
  folder.
- :mod:`.jobs`: Background jobs: state in the workspace database, work in a detached worker process.
- :mod:`.longtail`: The long-tail figures of a finished run: its items with popularity, and the tail-boost trade-off
  cached in the run folder.
- :mod:`.search`: Hyperparameter search on a validation split carved out of the training part.
- :mod:`.store`: A finished run's folder: its info, tables and saved models, and the split rebuilt from them.
- :mod:`.worker`: Worker process entry point: ``python -m coldrec.runs.worker WORKSPACE JOB_ID``.
- :mod:`.engine`: where the heavy stages run: one factory over the local and Ray backends.
- :mod:`.history`: The run history an analyst reads: which runs exist, on what, how they went.
"""

from coldrec.runs.experiment import ExperimentConfig, catalog_embeddings, reevaluate, run_experiment
from coldrec.runs.history import finished_runs, last_settings, latest_finished, run_history, run_label
from coldrec.runs.jobs import ACTIVE, FINAL, Job, JobCancelled, JobStore, launch, read_log, submit
from coldrec.runs.longtail import run_items, run_tradeoff
from coldrec.runs.search import SearchConfig, candidates, run_search, trial_row, validation_split
from coldrec.runs.store import load_run_info, load_run_model, load_summary, load_table, run_split

__all__ = [
    "finished_runs", "last_settings", "latest_finished", "run_history", "run_label",
    "ACTIVE",
    "ExperimentConfig",
    "FINAL",
    "Job",
    "JobCancelled",
    "JobStore",
    "SearchConfig",
    "candidates",
    "catalog_embeddings",
    "launch",
    "load_run_info",
    "load_run_model",
    "load_summary",
    "load_table",
    "read_log",
    "reevaluate",
    "run_experiment",
    "run_items",
    "run_search",
    "run_split",
    "run_tradeoff",
    "submit",
    "trial_row",
    "validation_split",
]
