import threading
import time

import numpy as np

from viz import live_training
from viz.designs import Design
from viz.live_training import Settings, Trainer, TrainingJob, TrainingQueue, dataset_from_examples, xo_dataset

FAST = Settings(pace=None)


def _wait(job: TrainingJob, statuses=("finished", "diverged", "time cap", "stopped"), timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while job.status not in statuses:
        assert time.monotonic() < end, job.status
        job.watched()
        time.sleep(0.02)


def test_a_fixed_seed_xo_training_reaches_95_percent_with_the_defaults():
    trainer = Trainer(Design(), Settings(), xo_dataset())  # the page's defaults (pace only slows the thread)
    assert trainer.history.held_accuracy[0] < 0.75  # random weights: about a coin toss
    while not trainer.finished:
        trainer.step()
    trainer.evaluate()
    assert trainer.history.held_accuracy[-1] >= 0.95
    assert trainer.step_count == trainer.total_steps == 5 * 63


def test_the_same_seed_trains_the_same_network():
    a, b = (Trainer(Design(), FAST, xo_dataset()) for _ in range(2))
    for t in (a, b):
        for _ in range(20):
            t.step()
    assert np.array_equal(a.model.conv1.weight.detach().numpy(), b.model.conv1.weight.detach().numpy())


def test_the_queue_never_runs_more_trainings_than_its_limit():
    queue = TrainingQueue(limit=2)
    jobs = [TrainingJob(Trainer(Design(), Settings(epochs=2, pace=None), xo_dataset()), queue) for _ in range(6)]
    seen_waiting = []
    for job in jobs:
        job.start()
    while any(j.status not in ("finished",) for j in jobs):
        assert queue.running() <= 2
        seen_waiting.append(sorted(p for j in jobs if (p := j.position) is not None))
        for j in jobs:
            j.watched()
        time.sleep(0.01)
    assert queue.most_at_once == 2
    assert [1, 2, 3, 4] in seen_waiting  # the waiting ones were told their place in line
    assert all(j.trainer.finished for j in jobs)


def test_pause_gives_the_slot_back_and_train_goes_on_from_there():
    queue = TrainingQueue(limit=1)
    first = TrainingJob(Trainer(Design(), Settings(epochs=30, pace=200), xo_dataset()), queue)
    second = TrainingJob(Trainer(Design(), Settings(epochs=1, pace=None), xo_dataset()), queue)
    first.start()
    _wait(first, ("training",))
    second.start()
    assert second.status == "queued"
    first.pause()
    _wait(first, ("paused",))
    steps = first.trainer.step_count
    _wait(second)  # it got the slot while the first was paused
    assert second.status == "finished"
    first.step_once()
    assert first.trainer.step_count == steps + 1
    first.start()
    _wait(first, ("training",))
    first.stop()
    assert first.status == "stopped" and queue.running() == 0


def test_a_training_nobody_watches_stops(monkeypatch):
    monkeypatch.setattr(live_training, "ABANDONED_S", 0.3)
    job = TrainingJob(Trainer(Design(), Settings(epochs=30, pace=50), xo_dataset()), TrainingQueue(1))
    job.start()
    time.sleep(1.5)  # nobody calls watched()
    assert job.status == "stopped" and not job.trainer.finished
    steps = job.trainer.step_count
    monkeypatch.setattr(live_training, "ABANDONED_S", 20.0)
    job.trainer.settings = Settings(epochs=30, pace=None)  # (only to be quick: the page keeps its settings)
    job.start()  # back on the page: Train goes on from where it stopped
    _wait(job)
    assert job.status == "finished" and job.trainer.step_count > steps


def test_a_training_stops_at_its_time_cap():
    job = TrainingJob(Trainer(Design(), Settings(epochs=30, pace=50), xo_dataset()), TrainingQueue(1), time_cap_s=0.5)
    job.start()
    _wait(job)
    assert job.status == "time cap" and not job.trainer.finished


def test_a_learning_rate_far_too_high_diverges():
    job = TrainingJob(Trainer(Design(), Settings(learning_rate=10.0, pace=None), xo_dataset()), TrainingQueue(1))
    job.start()
    _wait(job)
    assert job.status == "diverged" and job.trainer.diverged


def test_training_threads_run_at_low_priority_with_one_torch_thread():
    import os

    import torch

    job = TrainingJob(Trainer(Design(), Settings(epochs=30, pace=100), xo_dataset()), TrainingQueue(1))
    seen = {}
    real = job.trainer.step

    def step():
        seen["threads"] = torch.get_num_threads()
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return real()

    job.trainer.step = step
    job.start()
    _wait(job, ("training",))
    time.sleep(0.2)
    job.stop()
    assert seen["threads"] == 1 and seen["nice"] >= 10


def test_own_examples_are_split_per_class_and_shifted():
    rng = np.random.default_rng(0)
    examples = [(rng.choice([-1.0, 1.0], (1, 16, 16)), k) for k in (0, 1, 2) for _ in range(5)]
    data = dataset_from_examples("mine", ("a", "b", "c"), examples)
    assert sorted(data.y_held.tolist()) == [0, 1, 2]  # one of each five held out
    assert len(data.y_train) == 3 * 4 * 5  # the other four of each, and each shifted four ways
    assert data.x_train.shape[1:] == (1, 16, 16) and data.x_held.shape == (3, 1, 16, 16)


def test_digits_drawn_by_code_are_balanced_prepared_as_mnist_and_fixed():
    data = live_training.digit_dataset()
    assert data.input_shape == (1, 32, 32) and data.kind == "digit"
    assert np.bincount(data.y_train.numpy()).tolist() == [200] * 10
    assert float(data.x_train.min()) >= 0 and float(data.x_train.max()) <= 1
    assert live_training.digit_dataset() is data  # made once
