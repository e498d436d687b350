"""CommerceML 2 («обмен с сайтом» of 1C): streaming, safe parsing of the catalogue
(`import.xml`), offers (`offers.xml`, `prices.xml`, `rests.xml`) and order documents, and writing
order documents. Knows no models: the parser yields dataclasses, the writer takes them."""
