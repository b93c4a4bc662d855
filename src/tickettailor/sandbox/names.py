"""Word lists for realistic, deterministic sample data (some with accents and apostrophes
on purpose: they exercise the API's string escaping)."""

from __future__ import annotations

FIRST_NAMES = (
    "Olivia", "Liam", "Amelia", "Noah", "Isla", "Oliver", "Ava", "George", "Mia", "Arthur",
    "Sofia", "Leo", "Grace", "Oscar", "Chloé", "Harry", "Zoë", "Jack", "Freya", "Theo",
    "Maya", "Luca", "Ines", "Tomás", "Aisha", "Mateo", "Nora", "Kai", "Léa", "Ethan",
    "Priya", "Jonas", "Eva", "Ruben", "Hana", "Diego", "Sara", "Felix", "Yara", "Omar",
    "Lucía", "Finn", "Emma", "Hugo", "Anya", "Rafael", "Ingrid", "Sam", "Niamh", "Joël",
)
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Wright", "O'Brien", "Walker", "Robinson", "Thompson", "White", "Hughes", "Edwards",
    "Green", "Hall", "Wood", "Harris", "Martin", "Silva", "Santos", "Ferreira", "García",
    "Müller", "Schmidt", "Nguyen", "Kowalski", "Rossi", "Dubois", "Jensen", "Novak",
    "Costa", "Murphy", "O'Connor", "Kelly", "Byrne", "Ryan", "Chen", "Khan", "Ali",
    "Fernández", "Lopez", "Moreau", "Brennan", "MacLeod", "Sørensen", "Björk",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "post.example")
STAFF = ("Sam Carter", "Alex Morgan", "Jo Patel", "Chris Lee")
CANCEL_REASONS = (
    "Refunded: customer can no longer attend",
    "Cancelled at the customer's request",
    "Duplicate order",
    "Event date clash & refund requested",
)
SERIES_NAMES = (
    "Summer Cinema under the Stars", "Jazz at the Docks", "Comedy Cellar Fridays",
    "Riverside Food & Wine Fair", "Late Night Museum", "Folk Sessions", "Poetry Slam",
    "Open Air Theatre: A Midsummer Night's Dream", "Tech Meetup", "Salsa Social",
    "Kids' Science Morning", "Vinyl Market", "Candlelight Quartet", "Harbour Run 10k",
    "Café Philosophique", "Stand-up <Showcase>",
)
VENUES = (
    ("Doca da Marinha", "1100-148", "PT"),
    ("The Old Library", "E1 6QL", "GB"),
    ("Riverside Hall", "SE1 9PX", "GB"),
    ("Teatro El Shorty", "00907", "PR"),
    ("Harbour Warehouse", "BS1 4RN", "GB"),
    ("Community Garden", "10003", "US"),
    ("St. Mary's Crypt", "EH1 1QS", "GB"),
)
TICKET_TYPE_SETS = (
    (("General Admission", 1500, 0), ("Concession", 1000, 0)),
    (("Deckchair Delight", 1450, 0),),
    (("Standard", 2000, 150), ("VIP & Meet the Band", 4500, 250)),
    (("Free entry", 0, 0),),
    (("Early bird", 800, 50), ("Standard", 1200, 50), ("Family (2+2)", 3600, 100)),
)
BOX_OFFICES = (
    ("Cine Society", "eur", "Europe/Lisbon", "€", 23.0),
    ("Hackney Arts Collective", "gbp", "Europe/London", "£", 20.0),
    ("Brooklyn Night Owls", "usd", "America/New_York", "$", None),
    ("Teatro Breve", "usd", "America/Halifax", "$", None),
    ("Greenwich Live", "gbp", "Europe/London", "£", None),
)
STREETS = ("High Street", "Station Road", "Rua Augusta", "Main St", "Church Lane", "Mill Road")
TOWNS = ("London", "Lisbon", "Bristol", "Brooklyn", "Edinburgh", "Porto", "Halifax")
REFERRALS = ("website", "facebook", "instagram", "newsletter", None, None, None)
