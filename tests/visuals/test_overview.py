"""The landing page's facts: counts by status and next steps chosen from the state of the workspace."""

from __future__ import annotations

from coldrec.runs.jobs import Job
from coldrec.visuals.overview import job_counts, next_steps


def _job(status: str, protocol: str = "cold_user", kind: str = "train", finished: float | None = 1.0) -> Job:
    return Job(id=f"{status}-{protocol}", kind=kind, dataset_id="d", params={"split": {"protocol": protocol}},
               status=status, progress=0.0, step="", message="", created=0.0, started=0.0,
               finished=None if status in ("queued", "running") else finished, pid=None, cancel_requested=0)


def test_counts_put_queued_with_running():
    counts = job_counts([_job("queued"), _job("running"), _job("done"), _job("failed"), _job("done", "cold_item")])
    assert counts == {"running": 2, "done": 2, "failed": 1, "cancelled": 0}


def test_no_dataset_means_load_one_first():
    assert next_steps(0, []) == [next_steps(0, [])[0]] and "**Data**" in next_steps(0, [])[0]


def test_no_run_means_train_and_a_running_job_is_followed():
    assert "**Train**" in next_steps(1, [])[0]
    steps = next_steps(1, [_job("running")])
    assert steps[0].startswith("1 job(s) running") and len(steps) == 1  # nothing to train while one runs


def test_a_failed_latest_run_is_pointed_at_its_log():
    steps = next_steps(1, [_job("done", finished=1.0), _job("failed", finished=2.0)])
    assert "failed" in steps[0] and "log" in steps[0]


def test_next_protocol_is_the_question_not_yet_asked():
    assert any("cold items" in s for s in next_steps(1, [_job("done", "cold_user")]))
    assert any("cold users" in s for s in next_steps(1, [_job("done", "cold_item")]))
    both = next_steps(1, [_job("done", "cold_user"), _job("done", "cold_item")])
    assert any("Simulate" in s for s in both) and len(both) <= 3
