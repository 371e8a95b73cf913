"""A full rebuild's writer: the same Whoosh segments, written without the detours a
general writer takes.

Whoosh's writer collects every posting of a segment as a tuple, sorts them all, and
spills sorted runs to disk (each posting pickled, unpickled and merged again) once a
memory estimate is passed; writing a posting then reads the document's field length
back from disk. In a rebuild the documents arrive in number order, so:

- `TermPool` keeps postings grouped by term as they arrive (arrays, about 20 bytes a
  posting): the flush sorts the terms, not the postings, and nothing is spilled;
- `SegmentBuilder` finds each text field's words and positions in one step (no token
  objects; the same words, positions and encoding), reads each field's lengths once, in
  bulk, when it writes the postings, and finishes its segment when its pool reaches its
  memory budget (the next documents go to a new segment: a rebuild may leave a few
  segments, never a merge);
- `Rebuild` deals the documents in batches to `procs` processes, each building its own
  segments, while the caller reads the database; the segments replace the whole index
  in one commit, made under the index's lock, which the caller's process holds.

What is written is what Whoosh's own writer writes for the same documents, posting for
posting (`tests/test_search_building.py` compares them)."""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from array import array

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.formats import Positions
from whoosh.util.numeric import byte_to_length
from whoosh.writing import CLEAR, SegmentWriter

from marketplace.search.analysis import VietnameseTokenizer

TERM_BYTES = 400  # a term's own cost in the pool: its dict entry and its four arrays
POSTING_BYTES = 16  # a posting's number, weight and value end, before its value's bytes
BATCH = 500  # documents sent to a process at a time


class TermPool:
    """Postings grouped by field and term, for documents added in number order."""

    def __init__(self) -> None:
        # field → term bytes → (document numbers, weights, values joined, value ends)
        self.fields: dict[str, dict[bytes, tuple]] = {}
        self.nbytes = 0

    def add(self, item) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        postings = terms.get(tbytes)
        if postings is None:
            postings = terms[tbytes] = (array("I"), array("d"), bytearray(), array("I"))
            self.nbytes += TERM_BYTES
        docnums, weights, values, ends = postings
        docnums.append(docnum)
        weights.append(weight)
        if vbytes:
            values += vbytes
            self.nbytes += len(vbytes)
        ends.append(len(values))
        self.nbytes += POSTING_BYTES

    def cleanup(self) -> None:
        self.fields = {}


def _analysed_in_one_step(field) -> bool:
    """A text field whose words and positions `VietnameseTokenizer.positions` gives as
    Whoosh would: positions kept, no boost, no spelling words, no term vectors."""
    return (type(field.format) is Positions and field.format.field_boost == 1.0
            and isinstance(field.analyzer, VietnameseTokenizer)
            and not field.separate_spelling() and not field.vector)


def postings(field, value, *, one_step: bool):
    """(term bytes, frequency, weight, encoded positions) of each word of `value`, as
    `field.index(value)` gives them; in one step for a field `_analysed_in_one_step`."""
    if not one_step or not isinstance(value, str):
        return field.index(value)
    encode = field.format.encode
    return [(word.encode("utf-8"), len(at), float(len(at)), encode(at))
            for word, at in field.analyzer.positions(value).items()]


class SegmentBuilder(SegmentWriter):
    """One new segment of the index, written without the index's lock (the rebuild's
    committing writer holds it): `add_document`, then `finish()` for the segment."""

    def __init__(self, ix, *, memory_mb: int) -> None:
        super().__init__(ix, _lk=False, compound=False)
        self.pool = TermPool()
        self.budget = memory_mb * 1024 * 1024
        fields = dict(self.schema.items())
        # Whoosh's own `add_document` for a schema with what this one leaves out
        self._plain = not any(field.separate_spelling() or field.vector
                              for field in fields.values())
        self._one_step = {name for name, field in fields.items()
                          if _analysed_in_one_step(field)}

    def add_document(self, **fields) -> None:
        """Whoosh's `add_document`, less what documents here never carry (boosts, stored
        values of their own, spelling words, term vectors), with words and positions
        found in one step."""
        if not self._plain or any(name.startswith("_") for name in fields):
            super().add_document(**fields)
            return
        self._check_state()
        names = sorted(fields)
        self._check_fields(self.schema, names)
        perdoc, docnum, add = self.perdocwriter, self.docnum, self.pool.add
        perdoc.start_doc(docnum)
        try:
            for fieldname in names:
                value = fields[fieldname]
                if value is None:
                    continue
                field = self.schema[fieldname]
                length = 0
                if field.indexed:
                    scorable = field.scorable
                    one_step = fieldname in self._one_step
                    for tbytes, freq, weight, vbytes in postings(field, value,
                                                                 one_step=one_step):
                        if scorable:
                            length += freq
                        add((fieldname, tbytes, docnum, weight, vbytes))
                perdoc.add_field(fieldname, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(fieldname, field.column_type,
                                            field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def full(self) -> bool:
        return self.pool.nbytes >= self.budget

    def finish(self):
        """Writes the segment's postings and closes its files; the segment, to commit."""
        return self._finalize_segment()

    def discard(self) -> None:
        self._close_segment()  # its files, in no table of contents, go at the next commit

    def _lengths(self, reader, fieldname: str) -> list[int | None]:
        """Each document's length of the field as Whoosh's own writer reads it back: one
        byte each, or None for an empty field."""
        if not reader.has_column(_lenfield(fieldname)):
            return [None] * self.doc_count()
        column = reader.column_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        return [byte_to_length(b) if b else None for b in column]

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        reader = self.per_document_reader()
        writer = self.fieldwriter
        try:
            for fieldname in sorted(self.pool.fields):
                terms = self.pool.fields[fieldname]
                lengths = self._lengths(reader, fieldname)
                writer.start_field(fieldname, self.schema[fieldname])
                for tbytes in sorted(terms):
                    docnums, weights, values, ends = terms[tbytes]
                    writer.start_term(tbytes)
                    start = 0
                    for docnum, weight, end in zip(docnums, weights, ends, strict=True):
                        writer.add(docnum, weight, bytes(values[start:end]), lengths[docnum])
                        start = end
                    writer.finish_term()
                writer.finish_field()
        finally:
            reader.close()
        writer.close()


class Committer(SegmentWriter):
    """The rebuild's writer of record: holds the index's lock, adds no document itself,
    and commits the built segments in place of everything the index held."""

    def __init__(self, ix, *, timeout: float, delay: float) -> None:
        super().__init__(ix, timeout=timeout, delay=delay, compound=False)
        self.built: list = []

    def _commit_toc(self, segments) -> None:
        super()._commit_toc(list(segments) + self.built)


def _build(ix, jobs, results, memory_mb: int) -> None:
    """A builder process: documents from `jobs` (lists, None to finish) into segments,
    reported on `results` with the process's number, or the error that stopped it."""
    try:
        segments = []
        builder = SegmentBuilder(ix, memory_mb=memory_mb)
        while (docs := jobs.get()) is not None:
            for doc in docs:
                builder.add_document(**doc)
            if builder.full():
                segments.append(builder.finish())
                builder = SegmentBuilder(ix, memory_mb=memory_mb)
        if builder.doc_count():
            segments.append(builder.finish())
        else:
            builder.discard()
        results.put(("done", segments))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        results.put(("failed", traceback.format_exc()))


class RebuildFailed(Exception):
    """A builder process stopped; the index is as it was."""


class Rebuild:
    """Documents in, segments out: in this process when `procs` is 1, otherwise in
    `procs` forked processes (they inherit the open index, nothing else is used)."""

    def __init__(self, ix, committer: Committer, *, procs: int, memory_mb: int) -> None:
        self.ix = ix
        self.committer = committer
        self.memory_mb = memory_mb
        self._docs: list[dict] = []
        self._segments: list = []
        self._builder = None
        self._processes = []
        if procs == 1:
            self._builder = SegmentBuilder(ix, memory_mb=memory_mb)
            return
        context = multiprocessing.get_context("fork")
        self._jobs = context.Queue(maxsize=2 * procs)
        self._results = context.Queue()
        for _ in range(procs):
            process = context.Process(target=_build, daemon=True, args=(
                ix, self._jobs, self._results, memory_mb))
            process.start()
            self._processes.append(process)

    def add(self, doc: dict) -> None:
        if self._builder is not None:
            self._builder.add_document(**doc)
            if self._builder.full():
                self._segments.append(self._builder.finish())
                self._builder = SegmentBuilder(self.ix, memory_mb=self.memory_mb)
            return
        self._docs.append(doc)
        if len(self._docs) >= BATCH:
            self._send()

    def _send(self) -> None:
        while True:
            try:
                self._jobs.put(self._docs, timeout=1)
                break
            except queue.Full:
                if not all(process.is_alive() for process in self._processes):
                    raise self._failure() from None
        self._docs = []

    def _failure(self) -> RebuildFailed:
        """What stopped a process before its time: its own report, when it made one."""
        try:
            outcome, value = self._results.get(timeout=1)
        except queue.Empty:
            return RebuildFailed("a search index builder process stopped")
        return RebuildFailed(f"a search index builder process failed:\n{value}")

    def commit(self) -> None:
        if self._builder is not None:
            if self._builder.doc_count():
                self._segments.append(self._builder.finish())
            else:
                self._builder.discard()
            self._builder = None
        else:
            self._collect()
        self.committer.built = self._segments
        self.committer.commit(mergetype=CLEAR)

    def _collect(self) -> None:
        if self._docs:
            self._send()
        for _ in self._processes:
            self._jobs.put(None)
        reports = []
        while len(reports) < len(self._processes):
            try:
                reports.append(self._results.get(timeout=1))
            except queue.Empty:
                ended = sum(not process.is_alive() for process in self._processes)
                if ended > len(reports):
                    # an ended process's report is in the pipe by now, or never will be
                    try:
                        reports.append(self._results.get(timeout=1))
                    except queue.Empty:
                        raise RebuildFailed("a search index builder process stopped") \
                            from None
        for process in self._processes:
            process.join()
        self._processes = []
        for outcome, value in reports:
            if outcome != "done":
                raise RebuildFailed(f"a search index builder process failed:\n{value}")
            self._segments.extend(value)

    def cancel(self) -> None:
        if self._processes:
            self._jobs.cancel_join_thread()  # batches nobody will read: don't wait at exit
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            process.join()
        self._processes = []
        if self._builder is not None:
            self._builder.discard()
            self._builder = None
        if not self.committer.is_closed:
            self.committer.cancel()
