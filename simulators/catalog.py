"""Fixed vocabulary the world generator draws from.

Words for titles and names, genres, the users of the household, and the
quality profiles, tags and networks each *arr app is set up with. Only
:mod:`simulators.generation` reads these lists.
"""

from __future__ import annotations

USERS = ("alice", "bob", "carol", "dave", "erin")

TITLE_ADJECTIVES = (
    "Silent", "Crimson", "Hidden", "Broken", "Golden", "Last", "Distant", "Frozen",
    "Electric", "Hollow", "Wild", "Burning", "Forgotten", "Midnight", "Iron",
    "Velvet", "Quiet", "Savage", "Lucky", "Bitter", "Paper", "Glass", "Northern",
    "Lonely", "Secret", "Endless", "Shattered", "Painted", "Restless", "Copper",
)
TITLE_NOUNS = (
    "Harbor", "Empire", "Garden", "River", "Signal", "Kingdom", "Witness", "Orchard",
    "Frontier", "Protocol", "Lantern", "Machine", "Tide", "Mirror", "Citadel",
    "Voyage", "Hunter", "Promise", "Station", "Canyon", "Archive", "Storm",
    "Crown", "Horizon", "Circuit", "Island", "Letter", "Pilgrim", "Summit", "Comet",
)
FIRST_NAMES = (
    "Ada", "Bruno", "Clara", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines",
    "Jonas", "Keiko", "Lars", "Maya", "Nico", "Olga", "Pablo", "Quinn", "Rosa",
    "Sven", "Tara", "Uma", "Victor", "Wren", "Yusuf", "Zoe",
)
LAST_NAMES = (
    "Adler", "Brandt", "Castell", "Duarte", "Eklund", "Ferreira", "Gallo", "Hale",
    "Ibarra", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor",
    "Petrov", "Quint", "Rossi", "Sato", "Thorne", "Ueda", "Varga", "Weiss",
)
BAND_SUFFIXES = ("Collective", "Orchestra", "Quartet", "Society", "Brothers", "Band")

MOVIE_GENRES = (
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama",
    "Family", "Fantasy", "History", "Horror", "Music", "Mystery", "Romance",
    "Science Fiction", "Thriller", "War", "Western",
)
TV_GENRES = (
    "Action", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family",
    "Fantasy", "Mystery", "Reality", "Science Fiction", "Thriller",
)
MUSIC_GENRES = ("Rock", "Jazz", "Electronic", "Classical", "Hip Hop", "Folk", "Pop")
BOOK_GENRES = ("Fiction", "Fantasy", "Science Fiction", "History", "Biography",
               "Mystery", "Romance", "Poetry")
NETWORKS = ("HBO", "BBC One", "Netflix", "AMC", "FX", "NBC", "Apple TV+", "ABC")
COLLECTION_SUFFIX = "Collection"
LABELS = ("keep", "kids", "4k", "favourite", "rewatch")

# Quality profiles as each app ships them by default, by service.
QUALITY_PROFILES = {
    "sonarr": ("Any", "SD", "HD-720p", "HD-1080p", "Ultra-HD", "HD - 720p/1080p"),
    "radarr": ("Any", "SD", "HD-720p", "HD-1080p", "Ultra-HD", "HD - 720p/1080p"),
    "lidarr": ("Any", "Lossless", "Standard"),
    "readarr": ("eBook", "Spoken", "Any"),
}
TAGS = {
    "sonarr": ("anime", "kids", "keep", "4k"),
    "radarr": ("kids", "keep", "4k", "criterion"),
    "lidarr": ("keep", "vinyl-rip"),
    "readarr": ("keep", "audiobook"),
}
LANGUAGES = (
    (1, "English"), (2, "French"), (3, "Spanish"), (4, "German"), (5, "Italian"),
    (8, "Japanese"), (10, "Chinese"), (21, "Korean"),
)
