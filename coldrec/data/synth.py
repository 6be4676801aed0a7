"""Seeded generator of a synthetic e-commerce shop (bundled sample data and benchmarks).

Items belong to sub-themes (e.g. Coffee & Tea / pour-over) whose own vocabulary fills their
titles and descriptions, and users draw most interactions from 1-3 favourite sub-themes, so
item text genuinely predicts behaviour. Popularity and user activity are long-tailed, and a
share of items is released late in the window so they are truly cold.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coldrec.columns import Columns as C

# "@ category | brands | price median, log-sigma | the people who buy it", then one sub-theme
# per entry: "name | nouns" and an indented "adjectives | description phrases".
_VOCAB = """
@ Coffee & Tea | Brewster, Roastwell, Kettleby | 24 0.7 | coffee lovers
espresso | Espresso Machine, Milk Frother, Tamper, Portafilter Basket
  15-Bar, Barista, Dual-Boiler, Stainless | rich crema, steam wand, extraction pressure, latte art
pour-over | Pour-Over Dripper, Gooseneck Kettle, Paper Filters, Glass Carafe
  Ceramic, Borosilicate, Slow-Brew, Cone | even extraction, bloom, gooseneck spouts, light roasts
beans | Whole Bean Coffee, Ground Coffee, Single-Origin Beans, Espresso Blend
  Dark Roast, Medium Roast, Fair-Trade, Small-Batch | chocolate notes, fresh roasts, arabica, crema
tea | Loose Leaf Tea, Matcha Powder, Tea Infuser, Teapot
  Green, Earl Grey, Ceremonial, Oolong | steeping, loose leaves, antioxidants, the tea ceremony
mugs | Travel Mug, Coffee Mug, Tumbler, Mug Set
  Insulated, Stoneware, Double-Wall, Leakproof | hot drinks, commuting, spill-proof lids
@ Kitchen | Forge & Fennel, Panhandle, Cuisona | 35 0.8 | home cooks
cookware | Frying Pan, Saucepan, Dutch Oven, Wok
  Cast-Iron, Nonstick, Tri-Ply, Enamelled | even heat, oven-safe handles, searing, induction hobs
knives | Chef's Knife, Santoku Knife, Knife Block, Whetstone
  Damascus, Forged, High-Carbon, Japanese | a razor edge, full tang, sharpening, precise slicing
baking | Baking Sheet, Loaf Pan, Stand Mixer, Rolling Pin
  Silicone, Fluted, Heavy-Gauge, Nonstick | sourdough, cookies, proofing dough, layer cakes
storage | Food Storage Containers, Spice Rack, Pantry Jars, Lunch Box
  Airtight, Stackable, BPA-Free, Glass | meal prep, leftovers, tidy pantries, freshness
@ Outdoor & Camping | Trailhead, Summit Forge, Pinecrest | 55 0.9 | campers
tents | Backpacking Tent, Dome Tent, Tarp Shelter, Bivy Sack
  2-Person, Ultralight, Waterproof, 3-Season | the rainfly, guy lines, quick pitching, campsites
sleeping | Sleeping Bag, Sleeping Pad, Camp Pillow, Camping Hammock
  Down, Insulated, Inflatable, Mummy | warmth ratings, cold nights, packable loft
camp cooking | Camp Stove, Cook Set, Water Filter, Cooler
  Titanium, Compact, Propane, Collapsible | boiling water, trail meals, fuel canisters
hiking | Hiking Backpack, Trekking Poles, Headlamp, Hydration Pack
  Rugged, Lightweight, Rechargeable, Ventilated | trail miles, day hikes, summits, rocky terrain
@ Fitness | IronPeak, Flexa, Stridewell | 40 0.8 | athletes
yoga | Yoga Mat, Yoga Blocks, Yoga Strap, Meditation Cushion
  Non-Slip, Cork, Eco, Extra-Thick | balance, flexibility, vinyasa flow, mindful stretching
strength | Adjustable Dumbbells, Kettlebell, Barbell, Weight Bench
  Cast-Iron, Rubber-Coated, Heavy-Duty, Knurled | strength training, home gyms, heavy lifts
running | Running Shoes, Running Belt, Sports Watch, Compression Socks
  Breathable, Cushioned, Reflective, GPS | marathon training, pace, stride, long runs
recovery | Foam Roller, Massage Gun, Resistance Bands, Stretching Strap
  Textured, Percussive, Latex, Portable | muscle soreness, recovery days, mobility, deep tissue
@ Books | Quillhouse, Northpage, Inkwell Press | 16 0.4 | readers
mystery | Mystery Novel, Detective Thriller, Crime Anthology, Whodunit
  Gripping, Twisty, Noir, Bestselling | detectives, a murder case, suspects, the final plot twist
cookbooks | Cookbook, Baking Book, Vegetarian Cookbook, Recipe Collection
  Illustrated, Seasonal, Family-Style, Hardcover | recipes, weeknight dinners, home cooking
science | Popular Science Book, Astronomy Guide, Biology Primer, Physics Book
  Illuminating, Accessible, Award-Winning, Curious | the universe, evolution, quantum physics
fantasy | Fantasy Novel, Epic Saga, Dragon Trilogy, Sci-Fi Novel
  Sweeping, Magical, Epic, Otherworldly | dragons, wizards, quests, starships
@ Toys & Games | Playnook, Tumble & Co, Brightblock | 25 0.7 | families
board games | Board Game, Strategy Game, Card Game, Party Game
  Cooperative, Family, Competitive, Deluxe | game night, dice, 2-6 players, tabletop strategy
puzzles | Jigsaw Puzzle, 3D Puzzle, Puzzle Box, Brain Teaser
  1000-Piece, Challenging, Wooden, Panoramic | puzzle pieces, landscapes, patience, brain training
building | Building Blocks, Construction Set, Magnetic Tiles, Marble Run
  Creative, STEM, Interlocking, Colorful | building, engineering, imagination, towers
plush | Plush Toy, Teddy Bear, Stuffed Animal, Hand Puppet
  Cuddly, Soft, Huggable, Handmade | bedtime, cuddles, soft fur, a plush companion
@ Beauty | Lumiere, Velvetine, Bloomery | 22 0.6 | beauty lovers
skincare | Face Serum, Moisturizer, Cleanser, Sheet Mask
  Hydrating, Vitamin C, Fragrance-Free, Gentle | hyaluronic acid, glowing skin, dry skin
hair | Shampoo, Conditioner, Hair Oil, Hair Dryer
  Sulfate-Free, Nourishing, Ionic, Volumizing | frizz control, curls, scalp care, shiny hair
makeup | Lipstick, Mascara, Foundation, Eyeshadow Palette
  Matte, Long-Wear, Shimmer, Waterproof | pigment, shades, lashes, flawless coverage
fragrance | Eau de Parfum, Perfume Oil, Scented Candle, Body Mist
  Floral, Woody, Citrus, Musky | fragrance notes, sandalwood, jasmine, a lasting scent
@ Pets | Pawford, Barkley & Bean, Whiskerwood | 20 0.7 | pet owners
dog | Dog Leash, Dog Bed, Chew Toy, Dog Harness
  Durable, Orthopedic, Reflective, Padded | walks, puppies, heavy chewers, large breeds
cat | Cat Tree, Scratching Post, Cat Litter, Cat Toy
  Sisal, Clumping, Interactive, Feather | climbing, scratching, indoor cats, kittens
aquarium | Aquarium Kit, Fish Tank Filter, Aquarium Heater, Fish Food
  Freshwater, Planted, Quiet, Nano | tropical fish, water quality, aquatic plants, tank care
pet food | Dog Food, Cat Food, Pet Treats, Dental Chews
  Grain-Free, Salmon, Natural, High-Protein | nutrition, digestion, real meat, a healthy coat
@ Garden | Greenhollow, Rootwise, Terrabloom | 25 0.8 | gardeners
seeds | Seed Kit, Vegetable Seeds, Herb Seeds, Flower Seeds
  Heirloom, Organic, Non-GMO, Fast-Growing | germination, tomatoes, basil, spring sowing
tools | Pruning Shears, Garden Trowel, Leaf Rake, Garden Hose
  Ergonomic, Steel, Expandable, Bypass | pruning, digging, watering, weeding
planters | Planter, Raised Garden Bed, Hanging Basket, Plant Pot
  Terracotta, Self-Watering, Cedar, Glazed | drainage, potting soil, balcony gardens, houseplants
birds | Bird Feeder, Birdhouse, Bird Bath, Bird Seed
  Squirrel-Proof, Wooden, Hanging, Copper | songbirds, finches, backyard wildlife, hummingbirds
@ Electronics | Voltara, Nimbus, Circuitry | 60 1.0 | tech fans
headphones | Wireless Headphones, Earbuds, Gaming Headset, Headphone Stand
  Noise-Cancelling, Bluetooth, Over-Ear, True-Wireless | battery life, deep bass, clear calls
chargers | Power Bank, USB-C Charger, Charging Cable, Wireless Charger
  Fast-Charging, 65W, Braided, Magnetic | charging speed, USB-C ports, battery capacity
smart home | Smart Plug, Smart Bulb, Security Camera, Smart Speaker
  Wi-Fi, Voice-Controlled, Motion-Sensing, Dimmable | home automation, voice assistants, apps
computer | Mechanical Keyboard, Wireless Mouse, Monitor Stand, USB Hub
  Ergonomic, Backlit, Tenkeyless, Low-Profile | typing, desk setups, productivity, gaming
@ Music | Tonewood, Resonant, Fretline | 45 1.0 | musicians
guitar | Acoustic Guitar, Guitar Strings, Guitar Capo, Guitar Strap
  Dreadnought, Steel-String, Phosphor Bronze, Vintage | chords, strumming, the fretboard, tuning
keys | Digital Piano, MIDI Keyboard, Sustain Pedal, Keyboard Stand
  88-Key, Weighted, Portable, USB | piano lessons, scales, velocity-sensitive keys, practice
vinyl | Turntable, Vinyl Record, Record Cleaner, Record Crate
  Belt-Drive, Limited-Edition, Audiophile, Anti-Static | vinyl collections, the stylus, analog sound
recording | USB Microphone, Audio Interface, Studio Monitors, Pop Filter
  Condenser, Cardioid, Studio, Podcast-Ready | podcasting, home studios, vocals, mixing
@ Baby | Littlenest, Cradle & Co, Tinytot | 30 0.8 | new parents
feeding | Baby Bottle, High Chair, Bib Set, Sippy Cup
  Anti-Colic, Silicone, Spill-Proof, BPA-Free | feeding time, formula, weaning, purees
nursery | Crib Sheet, Swaddle Blanket, Night Light, Baby Monitor
  Muslin, Organic Cotton, Breathable, Glow | the nursery, newborn sleep, naps, bedtime routines
on the go | Stroller, Baby Carrier, Diaper Bag, Car Seat
  Lightweight, Foldable, Convertible, Ergonomic | strolls, travel systems, infants, errands
bath | Baby Bath Tub, Hooded Towel, Baby Wash, Bath Toys
  Tear-Free, Gentle, Hooded, Foldable | bath time, sensitive skin, splashing, soft towels
@ Travel | Wayfarer, Jetwise, Globetrot | 40 0.8 | travellers
luggage | Carry-On Suitcase, Checked Suitcase, Duffel Bag, Garment Bag
  Hardshell, Spinner, Expandable, Lightweight | carry-on rules, wheels, overhead bins, packing
organisers | Packing Cubes, Toiletry Bag, Passport Wallet, Cable Organizer
  Compression, Water-Resistant, RFID-Blocking, Zippered | packing, passports, toiletries, order
comfort | Travel Pillow, Sleep Eye Mask, Earplugs, Travel Blanket
  Memory Foam, Contoured, Blackout, Plush | long flights, jet lag, sleeping on planes, layovers
gadgets | Travel Adapter, Luggage Scale, Luggage Lock, Pocket Fan
  Universal, Digital, TSA-Approved, Compact | foreign plugs, voltage, airport security
@ Art Supplies | Canvasly, Pigmenta, Sketchwell | 18 0.8 | artists
painting | Watercolor Set, Acrylic Paint Set, Paint Brushes, Canvas Panels
  Artist-Grade, Vibrant, Synthetic, Stretched | pigments, washes, brushstrokes, canvas work
drawing | Sketchbook, Graphite Pencils, Charcoal Set, Drawing Pens
  Acid-Free, Fine-Line, Soft, Archival | sketching, shading, line art, portrait drawing
calligraphy | Calligraphy Pen Set, Ink Bottle, Brush Pens, Lettering Guide
  Dip, Fountain, Flexible, Waterproof | lettering, ink flow, the nib, hand lettering
crafts | Embroidery Kit, Knitting Needles, Yarn Bundle, Cross-Stitch Kit
  Beginner, Merino, Bamboo, Cotton | stitching, knitting patterns, yarn, handmade gifts
"""

_EDITIONS = ["Classic", "Pro", "Mini", "Max", "Essential", "Signature", "Studio", "Heritage"]
_COLORS = ["Slate", "Sage", "Ivory", "Charcoal", "Navy", "Olive", "Sand", "Blush", "Teal", "Rust"]
_SIZES = ["Small", "Medium", "Large", "2-Pack", "3-Pack"]
_OPENERS = [
    "The {adj} {noun} made for {w1} and {w2}.",
    "Built for {cw} who care about {w1} and {w2}.",
    "Designed around {w1}, with {w2} in mind.",
    "Our {adj} {noun} for {w1}, {w2} and everyday use.",
]
_FOLLOWERS = ["Loved by {cw} for {w3}.", "Ideal for {w3}.", "Part of our {cat} range.",
              "A smart pick for {w3}."]
# Generic shop filler shared by every category: realistic noise that carries no taste signal.
_FILLER = ["Ships in recyclable packaging.", "Backed by a two-year warranty.",
           "Easy to clean and built to last.", "Makes a thoughtful gift.",
           "Free returns within 30 days."]
_EVENTS = np.array(["view", "cart", "purchase"], dtype=object)
_EVENT_P = [0.86, 0.10, 0.04]
# Lognormal spreads of item appeal within a sub-theme and of sub-theme standing; together
# they put ~60-67% of interactions on the top 20% of items at the default size.
_APPEAL_SIGMA = 1.5
_THEME_SIGMA = 0.8
_NEW_BOOST = 5.0  # promotion weight of newly released items


def _split(field: str) -> list[str]:
    return [w.strip() for w in field.split(",")]


def _parse_vocab(text: str) -> tuple[list[dict], list[dict]]:
    """Parse `_VOCAB` into category and sub-theme records (themes grouped by category)."""
    categories: list[dict] = []
    themes: list[dict] = []
    for line in text.strip().replace("\n  ", " | ").splitlines():
        fields = [f.strip() for f in line.split(" | ")]
        if line.startswith("@"):
            median, sigma = (float(x) for x in fields[2].split())
            categories.append(
                {"name": fields[0][1:].strip(), "brands": _split(fields[1]),
                 "median": median, "sigma": sigma, "buyers": fields[3]}
            )
        else:
            themes.append(
                {"name": fields[0], "category": len(categories) - 1, "nouns": _split(fields[1]),
                 "adjs": _split(fields[2]), "words": _split(fields[3])}
            )
    return categories, themes


CATEGORIES, THEMES = _parse_vocab(_VOCAB)
_THEME_CAT = np.array([t["category"] for t in THEMES])


def _ids(prefix: str, n: int) -> np.ndarray:
    width = max(6, len(str(max(n - 1, 0))))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(n)], dtype=object)


def _group_cdf(groups: np.ndarray, weights: np.ndarray, n_groups: int) -> tuple:
    """Precompute per-group weighted sampling: group g's CDF is laid out on [g, g + 1]."""
    order = np.argsort(groups, kind="stable")
    g, w = groups[order], weights[order]
    total = np.bincount(g, w, minlength=n_groups)
    before = np.concatenate([[0.0], np.cumsum(total)])[g]
    within = (np.cumsum(w) - before) / np.where(total[g] > 0, total[g], 1.0)
    end = np.cumsum(np.bincount(g, minlength=n_groups))
    return order, g + within, end


def _draw(rng: np.random.Generator, cdf: tuple, group: np.ndarray) -> np.ndarray:
    """Draw one weighted member of each requested group in a single searchsorted call."""
    order, values, end = cdf
    pos = np.searchsorted(values, group + rng.random(len(group)), side="right")
    # Rounding can leave a group's last CDF value a hair below 1; never spill into the next.
    return order[np.minimum(pos, end[group] - 1)]


def _title(brand: str, adj: str, noun: str, r: np.ndarray) -> str:
    """Brand, optional edition, adjective, noun, optional model code and colour or size."""
    edition = f"{_EDITIONS[r[0] % 8]} " if r[0] % 3 == 0 else ""
    model = f" {'AXSMRV'[r[1] // 2 % 6]}{r[1] // 12 % 990 + 10}" if r[1] % 2 == 0 else ""
    variant = ["", f" - {_COLORS[r[2] % 10]}", f", {_SIZES[r[2] % 5]}"][r[2] % 3]
    return f"{brand} {edition}{adj} {noun}{model}{variant}"


def _blurb(theme: dict, adj: str, noun: str, r: np.ndarray) -> str:
    """One to three sentences: a themed opener, often a follower, sometimes filler."""
    cat, words = CATEGORIES[theme["category"]], theme["words"]
    fill = {"adj": adj.lower(), "noun": noun.lower(), "cw": cat["buyers"], "cat": cat["name"],
            **{f"w{k}": words[(r[0] + k) % len(words)] for k in (1, 2, 3)}}
    parts = [_OPENERS[r[1] % 4].format(**fill)]
    if r[2] % 10 < 7:
        parts.append(_FOLLOWERS[r[2] % 4].format(**fill))
    if r[3] % 2 == 0:
        parts.append(_FILLER[r[3] % 5])
    return " ".join(parts)


def _titles_and_texts(rng: np.random.Generator, theme: np.ndarray, brand: np.ndarray) -> tuple:
    """Titles and descriptions for every item, from its sub-theme's vocabulary."""
    r = rng.integers(0, 1 << 30, size=(len(theme), 9))
    titles, texts = [], []
    for t, b, ri in zip(theme, brand, r, strict=True):
        th = THEMES[t]
        adj, noun = th["adjs"][ri[0] % len(th["adjs"])], th["nouns"][ri[1] % len(th["nouns"])]
        titles.append(_title(CATEGORIES[th["category"]]["brands"][b], adj, noun, ri[2:5]))
        texts.append(_blurb(th, adj, noun, ri[5:9]))
    return titles, texts


def _catalog(rng: np.random.Generator, n_items: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Build the catalog; return it with each item's sub-theme index."""
    # Uneven sub-theme sizes: some corners of the shop are simply bigger than others.
    theme_p = rng.lognormal(0.0, 0.5, len(THEMES))
    theme = rng.choice(len(THEMES), n_items, p=theme_p / theme_p.sum())
    cat = _THEME_CAT[theme]
    brand = rng.integers(0, 3, n_items)
    titles, texts = _titles_and_texts(rng, theme, brand)
    median = np.array([c["median"] for c in CATEGORIES])[cat]
    sigma = np.array([c["sigma"] for c in CATEGORIES])[cat]
    # Shop prices end in .99; lognormal keeps them positive and right-skewed per category.
    raw = median * np.exp(sigma * rng.standard_normal(n_items))
    price = np.round(np.maximum(np.floor(raw), 1.0) + 0.99, 2)
    names = np.array([c["name"] for c in CATEGORIES], dtype=object)
    brands = [CATEGORIES[c]["brands"][b] for c, b in zip(cat, brand, strict=True)]
    catalog = pd.DataFrame({C.item: _ids("i", n_items), C.title: titles, C.description: texts,
                            C.category: names[cat], C.brand: brands, C.price: price})
    return catalog, theme


def _appeal(rng: np.random.Generator, theme: np.ndarray, new_share: float, span: int) -> tuple:
    """Item sampling weight, release offset (0 unless new) and each sub-theme's pull on fans."""
    # Part of the tail is between sub-themes (espresso outsells calligraphy), part within.
    n_items = len(theme)
    theme_pop = rng.lognormal(0.0, _THEME_SIGMA, len(THEMES))
    appeal = theme_pop[theme] * rng.lognormal(0.0, _APPEAL_SIGMA, n_items)
    new = rng.permutation(n_items) < round(new_share * n_items)
    release = np.where(new, (rng.uniform(0.8, 0.95, n_items) * span).astype(np.int64), 0)
    # Fans follow a sub-theme's standing and size, not one runaway item in a small catalog.
    fans = theme_pop * np.bincount(theme, minlength=len(THEMES))
    # New arrivals get promoted, so they earn enough interactions to be evaluated on.
    return appeal * np.where(new, _NEW_BOOST, 1.0), release, fans


def _activity(rng: np.random.Generator, rate: np.ndarray, n_interactions: int) -> np.ndarray:
    """Interactions per user, proportional to `rate`, summing exactly to `n_interactions`."""
    # Everyone gets a floor of 3 (when the budget allows) so no user is a ghost.
    floor = min(3, n_interactions // len(rate))
    return floor + rng.multinomial(n_interactions - floor * len(rate), rate / rate.sum())


def _tastes(rng: np.random.Generator, q: np.ndarray, theme_weight: np.ndarray) -> tuple:
    """Three favourite sub-theme slots per user and how many are used (heavier users, i.e.
    higher activity rank `q`, use more)."""
    n = len(q)
    # Popular sub-themes have more fans; extra favourites mostly stay in the same category.
    anywhere = _group_cdf(np.zeros(len(THEMES), dtype=int), theme_weight, 1)
    in_cat = _group_cdf(_THEME_CAT, theme_weight, len(CATEGORIES))
    primary = _draw(rng, anywhere, np.zeros(n, dtype=int))
    near = _draw(rng, in_cat, np.repeat(_THEME_CAT[primary], 2)).reshape(n, 2)
    far = _draw(rng, anywhere, np.zeros(2 * n, dtype=int)).reshape(n, 2)
    others = np.where(rng.random((n, 2)) < 0.75, near, far)
    n_fav = 1 + (rng.random(n) < 0.35 + 0.4 * q) + (rng.random(n) < 0.05 + 0.5 * q)
    # Only the first n_fav slots are used; the caller picks a slot below n_fav.
    return np.column_stack([primary, others]), n_fav


def _windows(rng: np.random.Generator, q: np.ndarray, span: int) -> tuple:
    """Visible part [begin, end) of each user's active period, in seconds from the start."""
    length = (0.1 + 0.9 * (0.5 * q + 0.5 * rng.random(len(q)))) * span  # heavy users stay longer
    # Customers arrive before, during and after the window, so we see only part of their life;
    # with counts proportional to the visible part, activity is even over time.
    margin = min(2 * 86_400, span / 4)
    begin = rng.uniform(margin - length, span - margin)
    return np.maximum(begin, 0.0), np.minimum(begin + length, span)


def _schedule(rng: np.random.Generator, counts: np.ndarray, windows: tuple, span: int) -> tuple:
    """Row -> user, and a uniform time offset within that user's window."""
    begin, end = windows
    user = np.repeat(np.arange(len(counts)), counts)
    offset = begin[user] + rng.random(len(user)) * (end - begin)[user]
    return user, np.minimum(offset.astype(np.int64), span - 1)


def _repeats(user: np.ndarray, item: np.ndarray, n_items: int) -> np.ndarray:
    """Mask of rows whose (user, item) pair already occurred in an earlier row."""
    key = user.astype(np.int64) * n_items + item
    order = np.argsort(key, kind="stable")
    mask = np.zeros(len(key), dtype=bool)
    mask[order[1:][key[order[1:]] == key[order[:-1]]]] = True
    return mask


def _pick_items(
    rng: np.random.Generator, user: np.ndarray, offset: np.ndarray, taste: np.ndarray,
    tastes: tuple[np.ndarray, np.ndarray], samplers: tuple[list[tuple], tuple, np.ndarray],
) -> np.ndarray:
    """Draw each row's item from one of its user's favourite sub-themes (from overall
    popularity where `taste` is False), re-drawing rows whose item is not released yet or
    repeats an earlier (user, item) pair; `by_theme` holds ever flatter within-theme
    samplers for those re-draws."""
    favourites, n_fav = tastes
    by_theme, overall, release = samplers
    item = np.zeros(len(user), dtype=np.int64)
    bad = np.ones(len(user), dtype=bool)
    for attempt in range(12):
        rows = np.flatnonzero(bad)
        if len(rows) == 0:
            break
        if attempt >= 9:  # the taste is exhausted: let the user browse the bestsellers
            taste[rows] = False
        item[rows] = _draw(rng, overall, np.zeros(len(rows), dtype=int))
        mine, who = rows[taste[rows]], user[rows[taste[rows]]]
        slot = (rng.random(len(mine)) * n_fav[who]).astype(int)
        # Once a theme's bestsellers are taken, enthusiasts dig into its long tail.
        item[mine] = _draw(rng, by_theme[min(attempt // 3, 2)], favourites[who, slot])
        bad = (release[item] > offset) | _repeats(user, item, len(release))
    return item


def generate_shop(
    n_users: int = 2000,
    n_items: int = 3000,
    n_interactions: int = 40000,
    seed: int = 0,
    new_item_share: float = 0.1,
    days: int = 180,
    start: int = 1_700_000_000,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate a synthetic shop: interactions and the item catalog.

    Parameters
    ----------
    n_users, n_items, n_interactions : int
        Exact sizes: users, catalog rows and interaction rows. Every user gets at least
        3 interactions when ``n_interactions >= 3 * n_users``.
    seed : int
        Seed for ``np.random.default_rng``; equal arguments give identical frames.
    new_item_share : float
        Share of items released in the last 20% of the window (between 80% and 95% of
        it); they get interactions only after release, and are promoted once out.
    days : int
        Length of the time window in days.
    start : int
        Window start as unix seconds; timestamps lie in ``[start, start + days * 86400)``.

    Returns
    -------
    tuple of pandas.DataFrame
        ``interactions`` (user_id, item_id, timestamp, event), sorted by timestamp, and
        ``catalog`` (item_id, title, description, category, brand, price).
    """
    if min(n_users, n_items, days) < 1 or n_interactions < 0:
        raise ValueError("n_users, n_items and days must be >= 1, n_interactions >= 0")
    if not 0.0 <= new_item_share <= 1.0:
        raise ValueError("new_item_share must be in [0, 1]")
    rng = np.random.default_rng(seed)
    span = days * 86_400
    catalog, theme = _catalog(rng, n_items)
    weight, release, fans = _appeal(rng, theme, new_item_share, span)
    rate = rng.lognormal(0.0, 0.8, n_users)  # long-tailed user activity
    q = np.argsort(np.argsort(rate)) / max(n_users - 1, 1)  # activity rank in [0, 1]
    windows = _windows(rng, q, span)
    counts = _activity(rng, rate * (windows[1] - windows[0]), n_interactions)
    tastes = _tastes(rng, q, fans)
    user, offset = _schedule(rng, counts, windows, span)
    # Aim at ~85% on-taste: heavy users exhaust their niche and land near 80% overall.
    taste = rng.random(len(user)) < rng.beta(8.5, 1.5, n_users)[user]
    by_theme = [_group_cdf(theme, weight**p, len(THEMES)) for p in (1.0, 0.5, 0.0)]
    samplers = (by_theme, _group_cdf(np.zeros(n_items, dtype=int), weight, 1), release)
    item = _pick_items(rng, user, offset, taste, tastes, samplers)
    # Rows still before their item's release after all re-draws move to just after it.
    late = np.flatnonzero(release[item] > offset)
    offset[late] = release[item[late]] + (rng.random(len(late)) * 86_400).astype(np.int64)
    event = _EVENTS[rng.choice(len(_EVENTS), len(user), p=_EVENT_P)]
    order = np.lexsort((item, user, offset))
    interactions = pd.DataFrame({C.user: _ids("u", n_users)[user[order]],
                                 C.item: catalog[C.item].to_numpy()[item[order]],
                                 C.timestamp: start + np.minimum(offset[order], span - 1),
                                 C.event: event[order]})
    return interactions, catalog


def write_shop(out_dir: str | Path, **kwargs: Any) -> tuple[Path, Path]:
    """Generate a shop and write ``interactions.csv`` and ``catalog.csv`` into `out_dir`.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write into; created if missing.
    **kwargs
        Passed to :func:`generate_shop`.

    Returns
    -------
    tuple of Path
        Paths of the interactions and catalog CSV files.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    interactions, catalog = generate_shop(**kwargs)
    paths = (out / "interactions.csv", out / "catalog.csv")
    interactions.to_csv(paths[0], index=False)
    catalog.to_csv(paths[1], index=False)
    return paths


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m coldrec.data.synth --out sample_data [--users N ...]``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments; defaults to ``sys.argv[1:]``.
    """
    parser = argparse.ArgumentParser(description="Write a synthetic shop as two CSV files.")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--interactions", type=int, default=40000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--new-item-share", type=float, default=0.1)
    args = parser.parse_args(argv)
    paths = write_shop(args.out, n_users=args.users, n_items=args.items,
                       n_interactions=args.interactions, seed=args.seed,
                       new_item_share=args.new_item_share)
    print("\n".join(str(p) for p in paths))


if __name__ == "__main__":
    main()
