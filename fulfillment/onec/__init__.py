"""The 1C exchange (CommerceML 2 «обмен с сайтом»): the HTTP protocol at /1c/exchange, orders
and assembly documents given to 1C, and the order changes 1C sends back (docs/onec-exchange.md).
"""
