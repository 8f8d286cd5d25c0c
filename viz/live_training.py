"""Training a small CNN while the page watches: a Trainer does the steps, a TrainingJob runs one in a
background thread (pause, resume, one step, a time cap, stopped when nobody watches any more), and a
TrainingQueue lets at most `limit` jobs train at once on the whole server, the others waiting in line.

Nothing here is written to disk; a job's memory is its small network, its optimizer and its history.
"""

from __future__ import annotations

import copy
import functools
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from viz.designs import Design, build
from viz.digits import random_digit
from viz.glyphs import GLYPH_CLASSES, glyph_dataset
from viz.preprocess import digit_to_mnist, drawing_to_xo
from viz.workers import lower_priority

XO_TRAIN, XO_HELD_OUT = 2000, 500
TIME_CAP_S = 120.0  # a training stops after this long, whatever its epochs
ABANDONED_S = 20.0  # … or when its page has not looked at it for this long (the session ended)
EVAL_EVERY_S = 0.25  # how often the curves get a point while training
DIVERGED_LOSS = 1e3


# How a drawing (H, W, 3 in [0, 1]) becomes an example: the lesson's ±1 grid, or an MNIST-style digit.
PREPROCESS = {"grid": drawing_to_xo, "digit": digit_to_mnist}
INPUT_WORDS = {"grid": "16×16 grid of ±1 cells", "digit": "32×32 digit, white ink on black (as MNIST)"}


@dataclass(frozen=True)
class Dataset:
    """Training and held-out examples, (N, C, H, W) float32 and (N,) int64, with the class names."""

    name: str
    classes: tuple[str, ...]
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_held: torch.Tensor
    y_held: torch.Tensor
    kind: str = "grid"  # a key of PREPROCESS: how a new drawing is read

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])

    def read(self, rgb: np.ndarray) -> np.ndarray:
        """A new drawing as this dataset's examples are: (C, H, W) float32."""
        return PREPROCESS[self.kind](rgb)


_XO_LOCK = threading.Lock()


@functools.cache
def _xo() -> Dataset:
    x, y = glyph_dataset(XO_TRAIN, 16, seed=11)
    xh, yh = glyph_dataset(XO_HELD_OUT, 16, seed=12)
    t = lambda a: torch.from_numpy(a)[:, None]  # noqa: E731
    return Dataset("X or O", GLYPH_CLASSES, t(x), torch.from_numpy(y), t(xh), torch.from_numpy(yh))


def xo_dataset() -> Dataset:
    """Generated Xs and Os on the 16×16 ±1 grid of the lesson (and of xo-net): made once per server
    (the first caller makes them; any other waits for it)."""
    with _XO_LOCK:
        return _xo()


DIGITS_TRAIN, DIGITS_HELD_OUT = 2000, 500
_DIGITS_LOCK = threading.Lock()


@functools.cache
def _digits() -> Dataset:
    def make(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng(seed)
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        x = np.stack([digit_to_mnist(random_digit(int(d), rng)) for d in labels])
        return torch.from_numpy(x.astype(np.float32)), torch.from_numpy(labels.astype(np.int64))

    return Dataset(
        "Digits", tuple(str(d) for d in range(10)), *make(DIGITS_TRAIN, 21), *make(DIGITS_HELD_OUT, 22), "digit"
    )


def digit_dataset() -> Dataset:
    """Digits 0–9 drawn by code (viz.digits: each a different slant, size, pen and wobble), prepared as
    LeNet-5's are: made once per server, on first use (~3 s), never the shared MNIST files."""
    with _DIGITS_LOCK:
        return _digits()


def dataset_from_examples(
    name: str, classes: tuple[str, ...], examples: list[tuple[np.ndarray, int]], seed: int = 0
) -> Dataset:
    """A user's own examples ((C, H, W) arrays and class numbers): every fifth of each class held out
    (at least one), the rest trained on, each training example also shifted by a pixel in 4 directions."""
    rng = np.random.default_rng(seed)
    train, held = [], []
    for k in range(len(classes)):
        mine = [x for x, label in examples if label == k]
        order = rng.permutation(len(mine))
        cut = max(1, len(mine) // 5)
        held += [(mine[i], k) for i in order[:cut]]
        train += [(mine[i], k) for i in order[cut:]]
    shifted = [(np.roll(x, s, axis=a), k) for x, k in train for s in (-1, 1) for a in (1, 2)]
    train += shifted
    stack = lambda pairs: (  # noqa: E731
        torch.from_numpy(np.stack([x for x, _ in pairs]).astype(np.float32)),
        torch.tensor([k for _, k in pairs], dtype=torch.int64),
    )
    return Dataset(name, classes, *stack(train), *stack(held))


@dataclass(frozen=True)
class Settings:
    learning_rate: float = 0.05
    batch_size: int = 32
    epochs: int = 5
    seed: int = 0
    pace: float | None = 20.0  # steps a second at most, so a class can watch; None: as fast as it goes


@dataclass
class History:
    """What the page draws: one point per evaluation."""

    steps: list[int] = field(default_factory=list)
    epochs: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    held_loss: list[float] = field(default_factory=list)
    held_accuracy: list[float] = field(default_factory=list)
    filters: list[np.ndarray] = field(default_factory=list)  # the first layer's weights at each point


class Trainer:
    """One network, its optimizer (SGD with momentum: every step nudges each weight against its
    gradient) and its history. Not thread-safe by itself: a TrainingJob holds its lock around it."""

    def __init__(self, design: Design, settings: Settings, data: Dataset) -> None:
        self.design, self.settings, self.data = design, settings, data
        torch.manual_seed(settings.seed)
        self.model = build(design)
        self.initial = copy.deepcopy(self.model.state_dict())
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=settings.learning_rate, momentum=0.9)
        self.loss_fn = nn.CrossEntropyLoss()
        self.generator = torch.Generator().manual_seed(settings.seed)
        self.order = torch.randperm(len(data.y_train), generator=self.generator)
        self.at = 0  # place in this epoch's order
        self.step_count = 0
        self.history = History()
        self.last_batch_loss = math.nan
        self.evaluate()

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.data.y_train) / self.settings.batch_size)

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.settings.epochs

    @property
    def finished(self) -> bool:
        return self.step_count >= self.total_steps

    @property
    def diverged(self) -> bool:
        loss = self.last_batch_loss
        return self.step_count > 0 and (not math.isfinite(loss) or loss > DIVERGED_LOSS)

    def step(self) -> float:
        """One update on the next batch; returns its loss."""
        n = len(self.data.y_train)
        if self.at >= n:
            self.order = torch.randperm(n, generator=self.generator)
            self.at = 0
        idx = self.order[self.at : self.at + self.settings.batch_size]
        self.at += len(idx)
        self.model.train()
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(self.data.x_train[idx]), self.data.y_train[idx])
        loss.backward()
        self.optimizer.step()
        self.step_count += 1
        self.last_batch_loss = float(loss.detach())
        return self.last_batch_loss

    @torch.no_grad()
    def _measure(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, torch.Tensor]:
        self.model.eval()
        logits = self.model(x)
        loss = float(self.loss_fn(logits, y))
        predicted = logits.argmax(1)
        return loss, float((predicted == y).float().mean()), predicted

    def evaluate(self) -> None:
        """A point on the curves: loss and accuracy on (up to 1,000) training and all held-out examples."""
        d = self.data
        train_loss, train_acc, _ = self._measure(d.x_train[:1000], d.y_train[:1000])
        held_loss, held_acc, _ = self._measure(d.x_held, d.y_held)
        h = self.history
        h.steps.append(self.step_count)
        h.epochs.append(self.step_count / self.steps_per_epoch)
        h.train_loss.append(train_loss)
        h.train_accuracy.append(train_acc)
        h.held_loss.append(held_loss)
        h.held_accuracy.append(held_acc)
        h.filters.append(first_conv(self.model).weight.detach().numpy().copy())

    def mistakes(self, at_most: int = 12) -> tuple[int, list[tuple[int, int, int]]]:
        """How many held-out examples it gets wrong now, and the first few: (index, true class, predicted class)."""
        _, _, predicted = self._measure(self.data.x_held, self.data.y_held)
        wrong = torch.nonzero(predicted != self.data.y_held).ravel()
        return len(wrong), [(int(i), int(self.data.y_held[i]), int(predicted[i])) for i in wrong[:at_most]]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities for one (C, H, W) input."""
        self.model.eval()
        with torch.no_grad():
            return torch.softmax(self.model(torch.from_numpy(x.astype(np.float32))[None]), 1)[0].numpy()


def first_conv(model: nn.Module) -> nn.Conv2d:
    return next(m for m in model.modules() if isinstance(m, nn.Conv2d))


class TrainingQueue:
    """At most `limit` trainings at once on the server; the others wait in line, first come first served."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._cond = threading.Condition()
        self._running: set[int] = set()
        self._waiting: list[int] = []
        self.most_at_once = 0  # the largest number ever running together (for tests and benchmarks)

    def position(self, ticket: int) -> int | None:
        """1 for the next in line, 2 after it, …; None when running or not queued."""
        with self._cond:
            return self._waiting.index(ticket) + 1 if ticket in self._waiting else None

    def running(self) -> int:
        with self._cond:
            return len(self._running)

    @contextmanager
    def slot(self, ticket: int, give_up: Callable[[], bool]) -> Iterator[bool]:
        """Wait for a free slot (yields True) unless give_up() says so first (yields False)."""
        with self._cond:
            self._waiting.append(ticket)
            while not give_up() and (self._waiting[0] != ticket or len(self._running) >= self.limit):
                self._cond.wait(0.2)
            self._waiting.remove(ticket)
            got = not give_up()
            if got:
                self._running.add(ticket)
                self.most_at_once = max(self.most_at_once, len(self._running))
            self._cond.notify_all()
        try:
            yield got
        finally:
            with self._cond:
                self._running.discard(ticket)
                self._cond.notify_all()


class TrainingJob:
    """One session's training in a background thread at low priority, one torch thread.

    status: "ready", "queued", "training", "paused", "finished", "diverged", "time cap", "stopped".
    """

    _tickets = iter(range(1, 1 << 62))
    _ticket_lock = threading.Lock()

    def __init__(self, trainer: Trainer, queue: TrainingQueue, time_cap_s: float = TIME_CAP_S) -> None:
        self.trainer = trainer
        self.queue = queue
        self.time_cap_s = time_cap_s
        self.lock = threading.RLock()  # held around every use of the trainer
        with TrainingJob._ticket_lock:
            self.ticket = next(TrainingJob._tickets)
        self.status = "ready"
        self.trained_s = 0.0
        self.seen = time.monotonic()
        self._go = threading.Event()  # set: train; cleared: paused
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ the page's controls
    def start(self) -> None:
        """Train (from where it is): queue for a slot, then run until finished, paused or stopped."""
        self.watched()
        self._go.set()
        if self._thread is None or not self._thread.is_alive():
            if self.status in ("ready", "paused", "stopped"):
                self.status = "queued"
            self._thread = threading.Thread(target=self._run, name=f"convscope-train-{self.ticket}", daemon=True)
            self._thread.start()

    def pause(self) -> None:
        """Stop after the step under way (at once) and give the slot, or the place in line, back."""
        self._go.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.status in ("training", "queued"):
            self.status = "paused"

    def step_once(self) -> None:
        """One update step now (paused or not started): the page can watch a single nudge."""
        with self.lock:
            if self.status in ("finished", "diverged", "time cap", "stopped") or self.trainer.finished:
                return
            self.trainer.step()
            self.trainer.evaluate()
            if self.status == "ready":
                self.status = "paused"

    def stop(self) -> None:
        self._stop.set()
        self._go.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.status not in ("finished", "diverged", "time cap"):
            self.status = "stopped"

    def watched(self) -> None:
        """The page is still looking (called on each of its reruns); a job nobody watches stops."""
        self.seen = time.monotonic()

    @property
    def position(self) -> int | None:
        return self.queue.position(self.ticket)

    # ------------------------------------------------------------ the thread
    def _abandoned(self) -> bool:
        return self._stop.is_set() or time.monotonic() - self.seen > ABANDONED_S

    def _run(self) -> None:
        """Queue, then train in chunks of EVAL_EVERY_S, a point on the curves after each, until the
        training ends, is paused (the slot is given back) or nobody watches any more."""
        lower_priority()
        torch.set_num_threads(1)
        with self.queue.slot(self.ticket, lambda: self._abandoned() or not self._go.is_set()) as got:
            if not got:
                self.status = "stopped" if self._abandoned() else "paused"
                return
            while not self._abandoned():
                if not self._go.is_set():
                    self.status = "paused"
                    return
                self.status = "training"
                started = time.monotonic()
                t = self.trainer
                while time.monotonic() - started < EVAL_EVERY_S and self._go.is_set():
                    with self.lock:  # one step at a time: the page reads between them
                        if t.finished or t.diverged:
                            break
                        t.step()
                    if t.settings.pace:
                        time.sleep(1.0 / t.settings.pace)
                with self.lock:
                    self.trained_s += time.monotonic() - started
                    t.evaluate()
                    if t.diverged or t.finished or self.trained_s > self.time_cap_s:
                        self.status = "diverged" if t.diverged else "finished" if t.finished else "time cap"
                        return
            self.status = "stopped"
