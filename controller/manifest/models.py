"""The desired-state schema shared by manifests and the settings export.

One :class:`Manifest` holds optional sections: ``preferences``, ``scoringWeights``,
``diskGroups``, ``integrations``, ``rules`` and ``notifications``; a file may hold
only some of them. Field names are camelCase, as in the export, so a file that
``GET /settings/export`` produces is a manifest unchanged. Every model rejects
unknown keys and is immutable.

The loader validates each file against these models; the API validates request
bodies against them; the engine reads the merged result. Checks that need more
than one element (unique names, a rule's integration exists) live in
``controller.manifest.merge`` because they span files.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from controller.manifest.rule_fields import ALL_OPERATORS, RULE_FIELDS
from controller.manifest.secret_refs import SecretRef, UrlRef

Mode = Literal["dry-run", "approval", "auto"]
Tiebreaker = Literal[
    "size_desc", "size_asc", "name_asc", "oldest_first", "newest_first"
]
LogLevel = Literal["debug", "info", "warn", "error"]
IntegrationType = Literal[
    "sonarr",
    "radarr",
    "lidarr",
    "readarr",
    "plex",
    "jellyfin",
    "emby",
    "tautulli",
    "jellystat",
    "seerr",
]
Effect = Literal[
    "always_keep",
    "prefer_keep",
    "lean_keep",
    "lean_remove",
    "prefer_remove",
    "always_remove",
]
ChannelType = Literal["discord", "apprise"]

MODES: tuple[str, ...] = get_args(Mode)
INTEGRATION_TYPES: tuple[str, ...] = get_args(IntegrationType)


def _plain_number(value: float) -> float | int:
    """Write 85.0 as 85 in dumps, so exports read like what people type."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Name = Annotated[StrictStr, Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")]
Percent = Annotated[
    float, Field(strict=True), PlainSerializer(_plain_number, return_type=float | int)
]
Weight = Annotated[StrictInt, Field(ge=0, le=10)]
AbsolutePath = Annotated[StrictStr, Field(min_length=1, pattern=r"^(/|[A-Za-z]:/)")]


def _title(name: str, info: Any) -> str:
    return str(getattr(info, "alias", None) or name)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, field_title_generator=_title)


class Preferences(_Model):
    """Global behaviour of the controller."""

    defaultDiskGroupMode: Mode = Field(
        default="dry-run", description="Mode of disk groups that do not set their own."
    )
    tiebreakerMethod: Tiebreaker = Field(
        default="size_desc", description="Order of items whose scores are equal."
    )
    deletionsEnabled: StrictBool = Field(
        default=True,
        description="Global safety switch: false turns every deletion into a record.",
    )
    pollIntervalSeconds: StrictInt = Field(
        default=300, ge=60, le=86400, description="Seconds between reconcile cycles."
    )
    snoozeDurationHours: StrictInt = Field(
        default=24,
        ge=1,
        le=8760,
        description="How long a rejected item stays out of the queue.",
    )
    maxDeletionsPerRun: StrictInt = Field(
        default=50,
        ge=0,
        description="Most items one cycle may delete; 0 means no limit.",
    )
    maxBytesPerRun: StrictInt = Field(
        default=0, ge=0, description="Most bytes one cycle may free; 0 means no limit."
    )
    auditLogRetentionDays: StrictInt = Field(
        default=30, ge=0, description="Days the audit log is kept; 0 keeps it forever."
    )
    deletionQueueDelaySeconds: StrictInt = Field(
        default=30,
        ge=10,
        le=300,
        description="Grace period before queued deletions start.",
    )
    deleteFiles: StrictBool = Field(
        default=True, description="Ask the *arr to delete files along with the entry."
    )
    addImportExclusion: StrictBool = Field(
        default=False, description="Ask the *arr not to download a deleted item again."
    )
    unmonitorDeletedSeasons: StrictBool = Field(
        default=True,
        description="Unmonitor a season after deleting its files, so the *arr "
        "does not download it again.",
    )
    logLevel: LogLevel = Field(default="info", description="Log verbosity.")
    checkForUpdates: StrictBool = Field(
        default=False,
        description="Kept for export compatibility; Capacitarr never calls out.",
    )
    deadContentMinDays: StrictInt = Field(
        default=90,
        ge=1,
        description="Days in library after which unwatched items are dead.",
    )
    staleContentDays: StrictInt = Field(
        default=180,
        ge=1,
        description="Days without a play after which items are stale.",
    )
    libraryShrinkTolerancePct: Percent = Field(
        default=20.0,
        ge=0,
        le=100,
        description="A library that shrank by more than this since the last good "
        "cycle is not trusted.",
    )


class ScoringWeights(_Model):
    """How much each factor counts when scoring an item (0 ignores the factor)."""

    watch_history: Weight = Field(default=10, description="Play history.")
    last_watched: Weight = Field(default=8, description="Time since last played.")
    file_size: Weight = Field(default=6, description="Size on disk.")
    rating: Weight = Field(
        default=5, description="Rating (lower rating, higher score)."
    )
    time_in_library: Weight = Field(
        default=4, description="Time since the item was added."
    )
    series_status: Weight = Field(default=3, description="Ended shows score higher.")
    request_popularity: Weight = Field(default=2, description="Requests via Seerr.")


class DiskGroup(_Model):
    """A disk (mount) the controller keeps below its threshold."""

    mountPath: AbsolutePath = Field(description="The mount as the *arr apps report it.")
    thresholdPct: Percent = Field(
        gt=0, le=100, description="Usage that starts a cleanup, in percent."
    )
    targetPct: Percent = Field(
        gt=0, description="Usage a cleanup brings the disk down to (below threshold)."
    )
    mode: Mode | None = Field(
        default=None,
        description="dry-run, approval or auto; absent: defaultDiskGroupMode.",
    )
    totalBytesOverride: StrictInt | None = Field(
        default=None, gt=0, description="Use this size instead of the reported one."
    )

    @field_validator("mountPath")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if len(value) > 1 and value.endswith("/") and not value.endswith(":/"):
            raise ValueError(f"must not end with '/'; write {value.rstrip('/')}")
        return value

    @field_validator("targetPct")
    @classmethod
    def _below_threshold(cls, value: float, info: ValidationInfo) -> float:
        threshold = info.data.get("thresholdPct")
        if threshold is not None and value >= threshold:
            raise ValueError(
                f"must be below thresholdPct ({_plain_number(threshold)}), "
                f"got {_plain_number(value)}"
            )
        return value


class PathMapping(_Model):
    """Translate a path as a service sees it to the path as Capacitarr sees it."""

    model_config = ConfigDict(serialize_by_alias=True)

    source: AbsolutePath = Field(alias="from", description="Path inside the service.")
    target: AbsolutePath = Field(alias="to", description="Same path for Capacitarr.")


class Integration(_Model):
    """A connection to one service."""

    name: Name = Field(description="Unique name; rules refer to it.")
    type: IntegrationType = Field(description="The kind of service.")
    url: UrlRef = Field(description="http(s)://host:port or ${ENV_NAME}.")
    apiKey: SecretRef | None = Field(
        default=None, description="${ENV_NAME} or {file: /path}; never the key itself."
    )
    enabled: StrictBool = True
    pathMappings: tuple[PathMapping, ...] = Field(
        default=(), description="Container path translations, first match wins."
    )
    showLevelOnly: StrictBool = Field(
        default=False,
        description="Sonarr only: act on whole shows, never single seasons.",
    )
    collectionDeletion: StrictBool = Field(
        default=False,
        description="Deleting one collection member deletes the collection.",
    )
    timeoutSeconds: float | None = Field(
        default=None, gt=0, le=300, strict=True, description="Request timeout."
    )
    fullSyncHours: float | None = Field(
        default=None,
        ge=0,
        le=8760,
        strict=True,
        description=(
            "Hours between full reads of watch histories (Tautulli, Jellystat, "
            "Jellyfin and Emby plays); between them only what changed is read. "
            "0 reads in full every cycle; default 24."
        ),
    )

    @field_validator("showLevelOnly")
    @classmethod
    def _sonarr_only(cls, value: bool, info: ValidationInfo) -> bool:
        kind = info.data.get("type")
        if value and kind is not None and kind != "sonarr":
            raise ValueError(f"applies to sonarr integrations only, not {kind}")
        return value


class Rule(_Model):
    """A custom rule: when ``field operator value`` matches, apply ``effect``."""

    name: Name | None = Field(default=None, description="Optional unique name.")
    field: StrictStr = Field(
        json_schema_extra={"enum": list(RULE_FIELDS)}, description="Item field to test."
    )
    operator: StrictStr = Field(
        json_schema_extra={"enum": list(ALL_OPERATORS)},
        description="Comparison; which ones apply depends on the field's type.",
    )
    value: StrictStr = Field(
        default="",
        validate_default=True,
        json_schema_extra={"type": ["string", "number", "boolean"]},
        description="Text, number (days for in_last/over_ago) or true/false.",
    )
    effect: Effect = Field(description="What a match does to the item's score.")
    integration: Name | None = Field(
        default=None,
        description="Integration the rule applies to; absent: all of them.",
    )
    enabled: StrictBool = True

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value not in RULE_FIELDS:
            close = difflib.get_close_matches(value.lower(), RULE_FIELDS, n=1)
            hint = (
                f"did you mean {close[0]}?"
                if close
                else "fields: " + ", ".join(RULE_FIELDS)
            )
            raise ValueError(f"unknown rule field {value!r}; {hint}")
        return value

    @field_validator("operator")
    @classmethod
    def _operator_fits(cls, value: str, info: ValidationInfo) -> str:
        field = RULE_FIELDS.get(info.data.get("field", ""))
        allowed = field.operators if field else ALL_OPERATORS
        if value not in allowed:
            target = f"{field.type} field {field.name}" if field else "rules"
            raise ValueError(
                f"{value!r} does not apply to {target}; use one of {', '.join(allowed)}"
            )
        return value

    @field_validator("value", mode="before")
    @classmethod
    def _value_as_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(_plain_number(value))
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError("must be text, a number or true/false")
        return value

    @field_validator("value")
    @classmethod
    def _value_fits(cls, value: str, info: ValidationInfo) -> str:
        field = RULE_FIELDS.get(info.data.get("field", ""))
        operator = info.data.get("operator")
        if field is None or operator is None:
            return value
        problem = _value_problem(field.name, field.type, operator, value, field.choices)
        if problem:
            raise ValueError(problem)
        return value


def _value_problem(
    name: str, kind: str, operator: str, value: str, choices: tuple[str, ...]
) -> str | None:
    text = value.strip()
    if operator == "never":
        return None
    if not text:
        return f"is required for {name} {operator}"
    if kind == "boolean":
        if text not in ("true", "false"):
            return f"must be true or false for {name}, got {text!r}"
    elif kind in ("number", "date"):
        try:
            number = float(text)
        except ValueError:
            return f"must be a number for {name}, got {text!r}"
        if number != number or number in (float("inf"), float("-inf")):
            return f"must be a finite number for {name}"
        if operator in ("in_last", "over_ago") and number < 0:
            return f"must be a number of days (0 or more) for {operator}, got {text}"
    elif choices and operator in ("==", "!=") and text.lower() not in choices:
        return f"must be one of {', '.join(choices)} for {name}, got {text!r}"
    return None


class NotificationChannel(_Model):
    """Where digests and alerts are sent."""

    name: Name
    type: ChannelType
    url: SecretRef | None = Field(
        default=None,
        description="Webhook or Apprise URL: ${ENV_NAME} or {file: /path}.",
    )
    enabled: StrictBool = True
    onCycleDigest: StrictBool = True
    onDryRunDigest: StrictBool = True
    onError: StrictBool = True
    onModeChanged: StrictBool = True
    onServerStarted: StrictBool = True
    onThresholdBreach: StrictBool = True
    onApprovalActivity: StrictBool = True
    onIntegrationStatus: StrictBool = True
    appriseTags: StrictStr | None = Field(
        default=None, description="Apprise channels only."
    )

    @field_validator("appriseTags")
    @classmethod
    def _apprise_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("type") == "discord":
            raise ValueError("applies to apprise channels only")
        return value


class Manifest(_Model):
    """Desired state, whole or in part: every section is optional."""

    model_config = ConfigDict(
        title="Capacitarr manifest",
        json_schema_extra={
            "description": "Desired state for Capacitarr. A settings export is a "
            "valid manifest; several files in one folder merge by natural key."
        },
    )

    version: Literal[1] | None = Field(
        default=None, description="Export format version."
    )
    exportedAt: datetime | None = Field(default=None, description="Set by exports.")
    appVersion: StrictStr | None = Field(default=None, description="Set by exports.")
    preferences: Preferences | None = None
    scoringWeights: ScoringWeights | None = None
    diskGroups: tuple[DiskGroup, ...] = ()
    integrations: tuple[Integration, ...] = ()
    rules: tuple[Rule, ...] = ()
    notifications: tuple[NotificationChannel, ...] = ()

    def effective_preferences(self) -> Preferences:
        """The preferences in force: the declared ones, defaults for the rest."""
        return self.preferences or Preferences()

    def effective_weights(self) -> ScoringWeights:
        """The scoring weights in force: the declared ones, defaults for the rest."""
        return self.scoringWeights or ScoringWeights()

    def mode_for(self, group: DiskGroup) -> str:
        """The mode a disk group runs in (its own, else defaultDiskGroupMode)."""
        return group.mode or self.effective_preferences().defaultDiskGroupMode
