"""Readarr: one ``book`` item per book with files, and book deletion.

A Readarr book carries no path, tags or quality profile of its own; those live
on its author, so the author list is read too and joined by ``authorId``.
Ratings are on a 0-5 scale upstream and are doubled to 0-10.
"""

from __future__ import annotations

from typing import Any

from controller.integrations.arr import (
    ArrClient,
    ArrEntry,
    SizeStatistics,
    as_list,
    flag,
    one,
    rating_value,
)
from controller.integrations.capabilities import ItemRef
from controller.integrations.parsing import (
    names,
    normalize_path,
    parse_datetime,
    to_int,
)
from controller.media import MediaItem, MediaType


class _Book(ArrEntry, total=False):
    """The keys of a book that :meth:`ReadarrClient._item_for` reads."""

    authorId: Any
    author: Any
    title: Any
    releaseDate: Any
    sizeOnDisk: Any
    statistics: SizeStatistics | None


class ReadarrClient(ArrClient):
    """Client for Readarr (API v1)."""

    type_name = "readarr"
    product = "Readarr"
    api_prefix = "/api/v1"
    min_major_version = 1

    def fetch_media(self) -> list[MediaItem]:
        """Return a book item for every book with bytes on disk."""
        self.start_listing()
        authors = {
            to_int(a.get("id")): a
            for a in as_list(self.http.get("author"), self, "author")
        }

        def convert(book: dict[str, Any]) -> tuple[MediaItem, ...]:
            author = authors.get(to_int(book.get("authorId"))) or book.get("author")
            return one(self._item_for(book, author if isinstance(author, dict) else {}))

        return self.listing("book", convert, _Book)

    def _item_for(
        self, book: dict[str, Any], author: dict[str, Any]
    ) -> MediaItem | None:
        book_id = to_int(book.get("id"))
        size = to_int(book.get("sizeOnDisk"))
        if size is None:
            size = to_int((book.get("statistics") or {}).get("sizeOnDisk")) or 0
        if book_id is None or size <= 0:
            return None
        released = parse_datetime(book.get("releaseDate"), self.fetch_notes)
        rating = rating_value(book.get("ratings"))
        genres = names(book.get("genres"))
        return MediaItem(
            integration_id=self.integration_id,
            external_id=str(book_id),
            media_type=MediaType.BOOK,
            title=str(book.get("title", "")),
            size_bytes=size,
            path=normalize_path(book.get("path") or author.get("path")),
            year=released.year if released else None,
            added_at=parse_datetime(book.get("added"), self.fetch_notes),
            rating=rating * 2 if rating is not None else None,
            genres=genres[:1],
            tags=self.resolve_tags(book.get("tags") or author.get("tags")),
            quality_profile=self.profile_name(
                book.get("qualityProfileId") or author.get("qualityProfileId")
            ),
            monitored=bool(book.get("monitored", True)),
            poster_url=self.poster(book.get("images")),
        )

    def delete(
        self,
        item_ref: ItemRef,
        delete_files: bool,
        add_exclusion: bool,
        unmonitor: bool,
    ) -> None:
        """Delete the book (and its files when ``delete_files``)."""
        if item_ref.media_type != MediaType.BOOK:
            raise ValueError(f"Readarr cannot delete a {item_ref.media_type}")
        self.delete_resource(
            "book",
            item_ref.external_id,
            {
                "deleteFiles": flag(delete_files),
                "addImportListExclusion": flag(add_exclusion),
            },
        )

    def exists(self, item_ref: ItemRef) -> bool:
        """Return whether Readarr still has the book."""
        return self.resource_exists("book", item_ref.external_id)
