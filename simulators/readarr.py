"""Readarr v0.3 (API v1) over the world's authors and books.

Serves authors and books with statistics, book files, editing monitored
flags, and deleting authors and books with their effect on the disks.
Readarr's spec describes two ``System.Version`` fields as objects; the real
server writes them as strings, and so does this simulator. Called by the
harness, which builds one per world.
"""

from __future__ import annotations

from simulators.arr_common import ArrApp, flag, iso
from simulators.caching import ItemCache, ListCache
from simulators.entities import Author, Book
from simulators.server import HttpError, Request, Response, json_response

BOOK_QUALITIES = ((3, "EPUB"), (4, "AZW3"), (2, "MOBI"), (1, "PDF"))


class ReadarrApp(ArrApp):
    """Simulated Readarr."""

    name = "readarr"
    service = "readarr"
    app_name = "Readarr"
    version = "0.3.21.2475"
    prefix = "/api/v1"

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        p = self.prefix
        self.author_cache = ItemCache(self.author_resource)
        self.book_cache = ItemCache(self.book_resource)
        self.lists = ListCache()
        self.route("GET", f"{p}/author", self.get_authors, listing="array")
        self.route("GET", f"{p}/author/{{id}}", self.get_author)
        self.route("PUT", f"{p}/author/{{id}}", self.put_author)
        self.route("DELETE", f"{p}/author/{{id}}", self.delete_author)
        self.route("GET", f"{p}/book", self.get_books, listing="array")
        self.route("GET", f"{p}/book/{{id}}", self.get_book)
        self.route("PUT", f"{p}/book/{{id}}", self.put_book)
        self.route("DELETE", f"{p}/book/{{id}}", self.delete_book)
        self.route("GET", f"{p}/bookfile", self.get_book_files, listing="array")
        self.route("GET", f"{p}/importlistexclusion", self.get_exclusions)

    def status_payload(self) -> dict:
        """Readarr's status, with versions written as strings.

        The spec types ``databaseVersion`` and ``runtimeVersion`` as a
        ``Version`` object, but Readarr's serializer writes ``System.Version``
        as a plain string such as ``"3.45.1"`` (spec≠wire).
        """
        payload = super().status_payload()
        payload["runtimeVersion"] = "6.0.29"
        payload["branch"] = "develop"
        return payload

    def profile_resource(self, index: int, name: str) -> dict:
        """Render a Readarr quality profile."""
        return self.simple_profile(index, name, BOOK_QUALITIES)

    def root_resource(self, index: int, path: str) -> dict:
        """Render a Readarr root folder: Lidarr's fields plus the Calibre ones."""
        total, free = self.world.disk_usage(path)
        return {
            "id": index,
            "name": path.rstrip("/").rsplit("/", 1)[-1].title(),
            "path": path.rstrip("/") + "/",
            "defaultMetadataProfileId": 1,
            "defaultQualityProfileId": 1,
            "defaultMonitorOption": "all",
            "defaultNewItemMonitorOption": "all",
            "defaultTags": [],
            "isCalibreLibrary": False,
            "port": 0,
            "useSsl": False,
            "accessible": True,
            "freeSpace": free,
            "totalSpace": total,
        }

    def poster(self, kind: str, item_id: int) -> list[dict]:
        """Readarr's ``MediaCover`` has no ``remoteUrl``; covers are local."""
        return [
            {"url": f"/MediaCover/{kind}/{item_id}/poster.jpg", "coverType": "poster"}
        ]

    # Rendering --------------------------------------------------------------

    def _books_of(self, author: Author) -> list[Book]:
        return [self.world.books[b] for b in author.books if b in self.world.books]

    def author_resource(self, author: Author) -> dict:
        """Render an ``AuthorResource`` with statistics."""
        books = self._books_of(author)
        last, first = author.name.rsplit(" ", 1)[-1], author.name.rsplit(" ", 1)[0]
        return {
            "authorMetadataId": author.id,
            "status": author.status,
            "ended": author.status == "ended",
            "authorName": author.name,
            "authorNameLastFirst": f"{last}, {first}",
            "foreignAuthorId": author.foreign_id,
            "titleSlug": author.foreign_id,
            "overview": f"{author.name} writes books.",
            "links": [],
            "images": self.poster("author", author.id),
            "path": author.path,
            "qualityProfileId": author.quality_profile_id,
            "metadataProfileId": 1,
            "monitored": author.monitored,
            "monitorNewItems": "all",
            "rootFolderPath": author.root,
            "genres": author.genres,
            "cleanName": "".join(ch for ch in author.name.lower() if ch.isalnum()),
            "sortName": author.name.lower(),
            "sortNameLastFirst": f"{last}, {first}".lower(),
            "tags": author.tags,
            "added": iso(author.added),
            "ratings": {
                "votes": author.votes,
                "value": author.rating,
                "popularity": 0.0,
            },
            "statistics": {
                "bookFileCount": len(books),
                "bookCount": len(books),
                "availableBookCount": len(books),
                "totalBookCount": len(books),
                "sizeOnDisk": sum(b.size for b in books),
                "percentOfBooks": 100.0 if books else 0.0,
            },
            "id": author.id,
        }

    def book_resource(self, book: Book) -> dict:
        """Render a ``BookResource``; its size sits in ``statistics``."""
        author = self.world.authors.get(book.author_id)
        ratings = {"votes": book.votes, "value": book.rating, "popularity": 0.0}
        resource = {
            "title": book.title,
            "authorTitle": f"{author.name.lower()} {book.title}"
            if author
            else book.title,
            "seriesTitle": "",
            "overview": "",
            "authorId": book.author_id,
            "foreignBookId": book.foreign_id,
            "foreignEditionId": book.edition_id,
            "titleSlug": book.foreign_id,
            "monitored": book.monitored,
            "anyEditionOk": True,
            "ratings": ratings,
            "releaseDate": iso(book.release),
            "pageCount": book.pages,
            "genres": book.genres,
            "images": self.poster("book", book.id),
            "links": [],
            "statistics": {
                "bookFileCount": 1,
                "bookCount": 1,
                "totalBookCount": 1,
                "sizeOnDisk": book.size,
                "percentOfBooks": 100.0,
            },
            "added": iso(book.added),
            "editions": [
                {
                    "bookId": book.id,
                    "foreignEditionId": book.edition_id,
                    "titleSlug": book.edition_id,
                    "isbn13": book.isbn,
                    "title": book.title,
                    "language": "eng",
                    "format": "Paperback",
                    "isEbook": False,
                    "publisher": "Harbor House",
                    "pageCount": book.pages,
                    "releaseDate": iso(book.release),
                    "images": [],
                    "links": [],
                    "ratings": ratings,
                    "monitored": True,
                    "manualAdd": False,
                    "grabbed": False,
                    "id": book.id,
                }
            ],
            "grabbed": False,
            "id": book.id,
        }
        if author is not None:
            resource["author"] = self.author_resource(author)
        return resource

    def book_file_resource(self, book: Book) -> dict:
        """Render the one ``BookFileResource`` of a book."""
        author = self.world.authors.get(book.author_id)
        folder = author.path if author else "/"
        return {
            "authorId": book.author_id,
            "bookId": book.id,
            "path": f"{folder}/{book.title}/{book.title}.epub",
            "size": book.size,
            "dateAdded": iso(book.added),
            "quality": {
                "quality": {"id": 3, "name": "EPUB"},
                "revision": {"version": 1, "real": 0, "isRepack": False},
            },
            "qualityWeight": 300,
            "indexerFlags": 0,
            "qualityCutoffNotMet": False,
            "id": book.id,
        }

    # Authors ----------------------------------------------------------------

    def _author(self, request: Request, raw: str) -> Author:
        author_id = self.int_id(request, raw)
        author = self.world.authors.get(author_id)
        if author is None:
            raise self.missing(request, "Author", author_id)
        return author

    def get_authors(self, request: Request) -> Response:
        def build() -> bytes:
            items = list(self.world.authors.values())
            return self.author_cache.array((a.id, a.rev, a) for a in items)

        return Response(200, self.lists.get("authors", self.world.version, build))

    def get_author(self, request: Request, id: str) -> Response:
        author = self._author(request, id)
        return Response(200, self.author_cache.item(author.id, author.rev, author))

    def put_author(self, request: Request, id: str) -> Response:
        author = self._author(request, id)
        body = request.json(self.bad_request)
        if not isinstance(body, dict):
            raise HttpError(self.bad_request("Request body must be an author"))
        with self.world.lock:
            if isinstance(body.get("monitored"), bool):
                author.monitored = body["monitored"]
            if isinstance(body.get("tags"), list):
                author.tags = [t for t in body["tags"] if isinstance(t, int)]
            self.world.touch(author)
        return json_response(self.author_resource(author), 202)

    def delete_author(self, request: Request, id: str) -> Response:
        author = self._author(request, id)
        self.world.delete_author(
            author.id,
            flag(request, "deleteFiles"),
            flag(request, "addImportListExclusion"),
        )
        return Response(200, b"", None)

    # Books ------------------------------------------------------------------

    def _book(self, request: Request, raw: str) -> Book:
        book_id = self.int_id(request, raw)
        book = self.world.books.get(book_id)
        if book is None:
            raise self.missing(request, "Book", book_id)
        return book

    def _book_entry(self, book: Book):
        author = self.world.authors.get(book.author_id)
        return book.id, (book.rev, author.rev if author else -1), book

    def get_books(self, request: Request) -> Response:
        author_id = request.arg("authorId")
        ids = {x for raw in request.args("bookIds") for x in raw.split(",")}
        if author_id is None and not ids:
            body = self.lists.get(
                "books",
                self.world.version,
                lambda: self.book_cache.array(
                    self._book_entry(b) for b in list(self.world.books.values())
                ),
            )
            return Response(200, body)
        books = [
            b
            for b in list(self.world.books.values())
            if (author_id is not None and str(b.author_id) == author_id)
            or str(b.id) in ids
        ]
        return Response(200, self.book_cache.array(self._book_entry(b) for b in books))

    def get_book(self, request: Request, id: str) -> Response:
        book = self._book(request, id)
        return Response(200, self.book_cache.item(*self._book_entry(book)))

    def put_book(self, request: Request, id: str) -> Response:
        book = self._book(request, id)
        body = request.json(self.bad_request)
        if isinstance(body, dict) and isinstance(body.get("monitored"), bool):
            with self.world.lock:
                book.monitored = body["monitored"]
                self.world.touch(book)
        return json_response(self.book_resource(book), 202)

    def delete_book(self, request: Request, id: str) -> Response:
        book = self._book(request, id)
        self.world.delete_book(
            book.id,
            flag(request, "deleteFiles"),
            flag(request, "addImportListExclusion"),
        )
        return Response(200, b"", None)

    def get_book_files(self, request: Request):
        author_id = request.arg("authorId")
        book_ids = {x for raw in request.args("bookId") for x in raw.split(",")}
        file_ids = {x for raw in request.args("bookFileIds") for x in raw.split(",")}
        if author_id is None and not book_ids and not file_ids:
            return self.bad_request("authorId, bookId or bookFileIds must be provided")
        books = [
            b
            for b in list(self.world.books.values())
            if str(b.author_id) == author_id or str(b.id) in book_ids | file_ids
        ]
        return [self.book_file_resource(b) for b in books]

    def get_exclusions(self, request: Request):
        return [
            {"foreignId": e.foreign_id, "authorName": e.title, "id": e.id}
            for e in list(self.world.exclusions["readarr"])
        ]
