"""Music skills: play from the library by name or by taste, rate tracks, shuffle and repeat.

Names in slots are already the library's spelling (the matcher resolved them). A name the
matcher could not find is answered "I couldn't find ..." and nothing else is played. Artist,
album, playlist and genre play in catalogue order (album by album, track by track); shuffle is
the player's switch. "play music" is a shuffled pick from the whole library. The mix,
discoveries, "more like this" and concept playlists are chosen by the taste model
(`assistant.learn`), and their answers say what to expect of them.

A disliked track is left out of every queue of more than one track; a track asked for by
name plays even if it was disliked once (the owner asked for exactly that).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from assistant.config import Concept
from assistant.learn import select
from assistant.learn.concepts import find_concept
from assistant.library import locations
from assistant.library.models import Track
from assistant.logsafe import shown
from assistant.nlu.base import IntentResult
from assistant.player.base import RepeatMode
from assistant.skills.base import (
    Response,
    SkillContext,
    choice_label,
    join_or,
    nothing_playing,
    respond,
    say,
    track_item,
)

logger = logging.getLogger(__name__)

LIBRARY_PICK = 200
"""How many random tracks "play music" queues."""


FILES_GONE = (
    "I can't play that: its files are no longer where the library scan found them. "
    "Run a library scan to bring the catalogue up to date."
)


def _play(ctx: SkillContext, tracks: Sequence[Track]) -> bool:
    """Play the tracks whose files are still there; False (nothing played) if none is.

    The catalogue is only as fresh as the last scan: a file deleted since then would be
    answered "Playing ..." and then silence.
    """
    present = [t for t in tracks if locations.is_file(t.path)]
    if len(present) < len(tracks):
        logger.warning(
            "%d of %d tracks to play are gone from the disk since the last scan (e.g. %s)",
            len(tracks) - len(present),
            len(tracks),
            shown(next(t.path for t in tracks if t not in present)),
        )
    if not present:
        return False
    ctx.player.play([track_item(t) for t in present])
    return True


def _files_gone(result: IntentResult) -> Response:
    return Response(FILES_GONE, "error", result.intent)


def _not_disliked(ctx: SkillContext, tracks: Sequence[Track]) -> list[Track]:
    disliked = {location for location, liked in ctx.history.ratings().items() if not liked}
    return [t for t in tracks if t.path not in disliked]


def _play_picks(ctx: SkillContext, picks: Sequence[select.Pick]) -> bool:
    return _play(ctx, [p.track for p in picks])


def _not_found(ctx: SkillContext, result: IntentResult) -> Response:
    return respond(ctx, result, "not_found", "not_found")


def ask_which(ctx: SkillContext, result: IntentResult) -> Response:
    """Several library items fit the name: ask, never guess."""
    labels = [choice_label(c) for c in result.choices]
    text = say(ctx, result.intent, "which", choices=join_or(labels))
    return Response(
        text or f"Which one: {join_or(labels)}?", "ask", result.intent, tuple(result.choices)
    )


def _slot(result: IntentResult, name: str) -> str | None:
    value = result.slots.get(name)
    return None if value is None else str(value)


def play_playlist(result: IntentResult, ctx: SkillContext) -> Response:
    name = _slot(result, "playlist")
    concept = find_concept(ctx.config.concepts, name) if name and not result.unresolved else None
    if concept is not None:
        return _play_concept(result, ctx, concept)
    found = [p for p in ctx.catalogue.playlists() if p.name == name]
    if result.unresolved or not found:
        return _not_found(ctx, result)
    tracks = _not_disliked(ctx, ctx.catalogue.playlist_tracks(found[0].id))
    if not tracks:
        return respond(ctx, result, "empty", "nothing")
    if not _play(ctx, tracks):
        return _files_gone(result)
    return respond(ctx, result, "ok")


def _play_concept(result: IntentResult, ctx: SkillContext, concept: Concept) -> Response:
    """This listener's cut of the concept's pool (an m3u of the same name is in the pool)."""
    ctx.taste.refresh()
    cold = ctx.taste.empty
    picks = select.concept(ctx.taste, concept, ctx.taste.pool(concept), ctx.rng)
    if not picks:
        return respond(ctx, result, "empty", "nothing", playlist=concept.name)
    if not _play_picks(ctx, picks):
        return _files_gone(result)
    key = "concept_new" if cold else f"concept_{concept.mode}"
    return respond(ctx, result, key, playlist=concept.name)


def play_artist(result: IntentResult, ctx: SkillContext) -> Response:
    artist = _slot(result, "artist")
    tracks = ctx.catalogue.tracks_by_artist(artist) if artist and not result.unresolved else []
    tracks = _not_disliked(ctx, tracks)
    if not tracks:
        return _not_found(ctx, result)
    if not _play(ctx, tracks):
        return _files_gone(result)
    return respond(ctx, result, "ok")


def play_album(result: IntentResult, ctx: SkillContext) -> Response:
    album = _slot(result, "album")
    artist = _slot(result, "artist")
    tracks = ctx.catalogue.album_tracks(album, artist) if album and not result.unresolved else []
    tracks = _not_disliked(ctx, tracks)
    if not tracks:
        return _not_found(ctx, result)
    if not _play(ctx, tracks):
        return _files_gone(result)
    if artist:
        return respond(ctx, result, "ok_artist")
    return respond(ctx, result, "ok")


def play_track(result: IntentResult, ctx: SkillContext) -> Response:
    title = _slot(result, "track")
    artist = _slot(result, "artist")
    tracks = ctx.catalogue.tracks_by_title(title, artist) if title and not result.unresolved else []
    if not tracks:
        return _not_found(ctx, result)
    track = tracks[0]
    if not _play(ctx, [track]):
        return _files_gone(result)
    return respond(ctx, result, "ok_artist", track=track.title, artist=track.artist)


def play_genre(result: IntentResult, ctx: SkillContext) -> Response:
    genre = _slot(result, "genre")
    tracks = ctx.catalogue.genre_tracks(genre) if genre and not result.unresolved else []
    tracks = _not_disliked(ctx, tracks)
    if not tracks:
        return _not_found(ctx, result)
    if not _play(ctx, tracks):
        return _files_gone(result)
    return respond(ctx, result, "ok")


def play_music(result: IntentResult, ctx: SkillContext) -> Response:
    tracks = ctx.catalogue.tracks()
    if not tracks:
        dirs = ", ".join(str(d) for d in ctx.config.library.music_dirs)
        return respond(ctx, result, "empty", "nothing", music_dirs=dirs)
    tracks = _not_disliked(ctx, tracks)
    tracks = ctx.rng.sample(tracks, min(LIBRARY_PICK, len(tracks)))
    if not _play(ctx, tracks):
        return _files_gone(result)
    return respond(ctx, result, "ok")


def play_mix(result: IntentResult, ctx: SkillContext) -> Response:
    ctx.taste.refresh()
    picks = select.mix(ctx.taste, ctx.rng)
    if not picks:
        return respond(ctx, result, "empty", "nothing")
    if not _play_picks(ctx, picks):
        return _files_gone(result)
    return respond(ctx, result, "ok")


def play_discover(result: IntentResult, ctx: SkillContext) -> Response:
    ctx.taste.refresh()
    picks = select.discover(ctx.taste, ctx.rng)
    if picks:
        if not _play_picks(ctx, picks):
            return _files_gone(result)
        return respond(ctx, result, "ok")
    picks = select.rediscover(ctx.taste, ctx.rng)
    if not picks:
        return respond(ctx, result, "exhausted", "nothing")
    if not _play_picks(ctx, picks):
        return _files_gone(result)
    return respond(ctx, result, "empty")


def _current_track(ctx: SkillContext) -> Track | None:
    status = ctx.player.status()
    item = status.current
    if item is None or item.track_id is None or status.state.value == "stopped":
        return None
    return ctx.catalogue.track(item.track_id)


def play_more_like_this(result: IntentResult, ctx: SkillContext) -> Response:
    seed = _current_track(ctx)
    if seed is None:
        return nothing_playing(ctx, result)
    ctx.taste.refresh()
    picks = select.similar(ctx.taste, seed, ctx.rng)
    if not picks:
        return Response(f"I have nothing else like {seed.title}.", "not_found", result.intent)
    if not _play_picks(ctx, picks):
        return _files_gone(result)
    return respond(ctx, result, "ok", track=seed.title, artist=seed.artist)


def like_track(result: IntentResult, ctx: SkillContext) -> Response:
    seed = _current_track(ctx)
    if seed is None:
        return nothing_playing(ctx, result)
    if not ctx.history.like(seed.id):
        return respond(ctx, result, "not_saved", "error", track=seed.title, artist=seed.artist)
    return respond(ctx, result, "ok", track=seed.title, artist=seed.artist)


def dislike_track(result: IntentResult, ctx: SkillContext) -> Response:
    """Recorded, and the track is skipped: nobody wants to hear the rest of it."""
    seed = _current_track(ctx)
    if seed is None:
        return nothing_playing(ctx, result)
    saved = ctx.history.dislike(seed.id)
    ctx.player.next()
    if not saved:
        return respond(ctx, result, "not_saved", "error", track=seed.title, artist=seed.artist)
    return respond(ctx, result, "ok", track=seed.title, artist=seed.artist)


def shuffle(result: IntentResult, ctx: SkillContext) -> Response:
    on = result.slots.get("state", "on") != "off"
    ctx.player.set_shuffle(on)
    return respond(ctx, result, "ok_on" if on else "ok_off")


def repeat(result: IntentResult, ctx: SkillContext) -> Response:
    mode = RepeatMode(str(result.slots.get("mode", "one")))
    ctx.player.set_repeat(mode)
    return respond(ctx, result, f"ok_{mode.value}")
