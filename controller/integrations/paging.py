"""Offset-paged listings: read every page, several at a time once the total is known.

:meth:`HttpClient.get_pages <controller.integrations.http.HttpClient.get_pages>`
delegates here. The first page is read alone; when it announces a total and more
than one worker is allowed, the remaining pages are requested at once at the
offsets a sequential reader would use. A short page breaks that assumption, so
from the first short page on the reading continues one page at a time, exactly
as without workers; an empty page before the total still raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from controller.integrations.http import HttpClient

PageExtractor = Callable[[Any], tuple[list[Any], int | None]]


class _Pages:
    """One listing being read: its query shape and how to read a page."""

    def __init__(
        self,
        http: HttpClient,
        path: str,
        params: Mapping[str, Any],
        names: tuple[str, str],
        page_size: int,
        extract: PageExtractor,
        shape: Any,
    ) -> None:
        self.http = http
        self.path = path
        self.params = params
        self.offset_param, self.limit_param = names
        self.page_size = page_size
        self.extract = extract
        self.shape = shape

    def query(self, offset: int) -> dict[str, Any]:
        return {
            **self.params,
            self.offset_param: offset,
            self.limit_param: self.page_size,
        }

    def read(self, offset: int) -> tuple[list[Any], int | None]:
        """Fetch the page at ``offset`` and return its items and total."""
        query = self.query(offset)
        payload = self.http.get(self.path, query, self.shape)
        try:
            return self.extract(payload)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self.http.unexpected(
                self.path, f"unexpected page shape ({exc})", query
            ) from exc

    def sequential(
        self,
        items: list[Any],
        offset: int,
        read: tuple[list[Any], int | None] | None = None,
    ) -> list[Any]:
        """Read page after page from ``offset`` (``read``: that page, if at hand)."""
        while True:
            page, total = read if read is not None else self.read(offset)
            read = None
            items.extend(page)
            offset += len(page)
            if total is None:
                if len(page) < self.page_size:
                    return items
                continue
            if offset >= total:
                return items
            if not page:
                raise self.http.unexpected(
                    self.path,
                    f"listing stopped at {offset} of {total} items",
                    self.query(offset),
                )

    def concurrent(self, workers: int) -> list[Any]:
        """Read the first page, then the rest ``workers`` at a time."""
        first, total = self.read(0)
        if total is None or len(first) < self.page_size or len(first) >= total:
            return self.sequential([], 0, (first, total))
        offsets = list(range(len(first), total, self.page_size))
        with ThreadPoolExecutor(
            min(workers, len(offsets)), thread_name_prefix="pages"
        ) as pool:
            pages = list(pool.map(self.read, offsets))
        items = list(first)
        for offset, (page, _) in zip(offsets, pages, strict=True):
            items.extend(page)
            if len(page) < min(self.page_size, total - offset):
                return self.sequential(items, offset + len(page))
        return items


def collect_pages(
    http: HttpClient,
    path: str,
    *,
    params: Mapping[str, Any],
    offset_param: str,
    limit_param: str,
    page_size: int,
    extract: PageExtractor,
    workers: int = 1,
    shape: Any = None,
) -> list[Any]:
    """Collect every page of an offset-paged listing (see the module docstring).

    Raises:
        UnexpectedResponse: a page has the wrong shape, or the listing ended
            before its announced total.
    """
    pages = _Pages(
        http, path, params, (offset_param, limit_param), page_size, extract, shape
    )
    if workers <= 1:
        return pages.sequential([], 0)
    return pages.concurrent(workers)
