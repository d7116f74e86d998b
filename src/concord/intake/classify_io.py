"""`concord classify`'s reading and writing, without Django (DESIGN §6).

The command needs nothing of Django: the classifier is numpy over the shipped corpus and the risk
lexicon. `concord.cli` therefore runs it through `main` below without setting Django up, which
saves most of a second of start-up per call (the target is 20,000 texts/s for the whole command);
the management command (`manage.py classify`, `call_command`) uses the same functions.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain

EXIT_BAD_LINE = 2
EXIT_ERROR = 1


class BadLine(ValueError):
    pass


def records(stream) -> Iterator[tuple[int, object, str]]:
    """(line number, id, text) per non-blank line; BadLine names the first malformed one."""
    for number, raw in enumerate(stream, start=1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadLine(f"line {number}: not UTF-8 ({exc.reason})") from exc
        else:
            line = raw
        if number == 1:
            line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadLine(f"line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise BadLine(f"line {number}: not a JSON object")
        if "id" not in record:
            raise BadLine(f"line {number}: no id")
        ident = record["id"]
        if isinstance(ident, bool) or not isinstance(ident, (str, int, float)):
            raise BadLine(f"line {number}: id must be a string or a number")
        text = record.get("text")
        if not isinstance(text, str):
            raise BadLine(f"line {number}: text must be a string")
        yield number, ident, text


def answer_lines(classifier, batch: list[tuple[object, str]]) -> str:
    """One JSON line per (id, text) of `batch`, in order (no trailing newline)."""
    predictions = classifier.predict([text for _, text in batch])
    return "\n".join(
        json.dumps(
            {
                "id": ident,
                "is_dispute": p.is_dispute,
                "category": p.category,
                "confidence": round(p.confidence, 4),
                "flags": list(p.flags),
            },
            ensure_ascii=False,
        )
        for (ident, _), p in zip(batch, predictions, strict=True)
    )


def _batches(stream, batch_size: int) -> Iterator[list[tuple[object, str]]]:
    """(id, text) batches; on a malformed line, the batch before it, then BadLine."""
    batch: list[tuple[object, str]] = []
    try:
        for _, ident, text in records(stream):
            batch.append((ident, text))
            if len(batch) >= batch_size:
                yield batch
                batch = []
    except BadLine:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def classify_stream(classifier, stream, write, *, batch_size: int, jobs: int = 1) -> None:
    """Classify `stream` in batches, calling `write(lines)` after each in input order; BadLine
    after writing every batch before the malformed line, so the output is always an exact prefix
    of the answer. With `jobs` > 1 and more than one batch, batches are classified by that many
    forked processes (the lexicon is pure Python, so one process uses one core), at most two
    batches each in flight; a single batch is answered here, without starting any."""
    batches = _batches(stream, batch_size)
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        first = next(batches, None)
        if first is None:
            return
        try:
            second = next(batches, None)
        except BadLine:
            write(answer_lines(classifier, first))
            raise
        if second is None:
            write(answer_lines(classifier, first))
            return
        _classify_in_processes(classifier, chain([first, second], batches), write, jobs=jobs)
        return
    for batch in batches:
        write(answer_lines(classifier, batch))


_worker_classifier = None  # the parent's, inherited by each forked worker


def _answer_in_worker(batch: list[tuple[object, str]]) -> str:
    return answer_lines(_worker_classifier, batch)


def _classify_in_processes(classifier, batches, write, *, jobs: int) -> None:
    global _worker_classifier
    _worker_classifier = classifier
    classifier.predict(["报警人称邻居吵架"])  # builds the lexicon and lookup tables once, pre-fork
    pending: deque[Future] = deque()
    # Forked after the model is loaded, so workers share its arrays and start in milliseconds.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        try:
            for batch in batches:
                pending.append(pool.submit(_answer_in_worker, batch))
                while pending and (len(pending) > 2 * jobs or pending[0].done()):
                    write(pending.popleft().result())
        finally:  # on BadLine too: every batch before the malformed line is written
            while pending:
                write(pending.popleft().result())


def default_jobs() -> int:
    """Processes `concord classify` uses unless told: the machine's cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="concord classify", add_help=False, exit_on_error=False)
    parser.add_argument("file", nargs="?")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=None)
    return parser


def fast_path_arguments(argv: list[str]) -> argparse.Namespace | None:
    """The parsed arguments when `argv` (after `classify`) uses only FILE and --batch-size; None
    when it asks for anything else (help, Django's own options), which Django then handles."""
    try:
        args, rest = _parser().parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return None
    return None if rest else args


def main(args: argparse.Namespace) -> int:
    """`concord classify` without Django; errors as Django prints a CommandError."""
    from concord.intake.classifier import get_classifier

    def fail(message: str, status: int) -> int:
        sys.stdout.flush()
        sys.stderr.write(f"CommandError: {message}\n")
        return status

    if args.batch_size < 1:
        return fail("--batch-size must be at least 1", EXIT_ERROR)
    if args.jobs is not None and args.jobs < 1:
        return fail("--jobs must be at least 1", EXIT_ERROR)
    if args.file and args.file != "-":
        try:
            stream = open(args.file, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            return fail(f"cannot read {args.file}: {exc.strerror}", EXIT_ERROR)
    else:
        stream = sys.stdin.buffer
    out = sys.stdout

    def write(lines: str) -> None:
        out.write(lines + "\n")
        out.flush()

    try:
        classify_stream(
            get_classifier(),
            stream,
            write,
            batch_size=args.batch_size,
            jobs=args.jobs or default_jobs(),
        )
    except BadLine as exc:
        return fail(str(exc), EXIT_BAD_LINE)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    return 0
