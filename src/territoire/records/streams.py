"""The bodies of streamed exports: started before the response (so that a query that fails is
an error answer, not a 200 cut short), closed when the response is (which ends the query and
frees the export's slot; the server closes the response when the client goes away)."""

from __future__ import annotations

from . import export_limits


class Primed:
    """An iterator whose first item is computed at once — the query run, its first rows read —
    and whose ``close`` closes the generator behind it (ending the export's query)."""

    def __init__(self, generator):
        self._generator = generator
        try:
            self._first = [next(generator)]
        except StopIteration:
            self._first = []
        except BaseException:
            generator.close()
            raise

    def __iter__(self):
        return self

    def __next__(self):
        if self._first:
            return self._first.pop()
        return next(self._generator)

    def close(self) -> None:
        self._generator.close()


class Stream(Primed):
    """The body of a streamed export: primed, and holding the export's slot until it is sent
    or closed (the server closes it when the client goes away)."""

    def __init__(self, chunks, slot: export_limits.Slot | None):
        self._slot = slot
        try:
            super().__init__(chunks)
        except BaseException:
            self.close()
            raise

    def __next__(self):
        try:
            return super().__next__()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._slot is not None:
                self._slot.release()
                self._slot = None


def close(rows) -> None:
    """Close the rows' generator (which ends the export's query) when it has one."""
    close = getattr(rows, "close", None)
    if close is not None:
        close()
