"""The reading view of an item's text, and its alternative formats (EPUB 3, spoken audio, braille).

`blocks` turns extracted text into a structure of headings, paragraphs, lists
and tables, each with its page, language and direction; the other modules
render that structure, free of the database (`services.reading` caches what
they make as derivatives). Audio and braille need system tools (`tools`),
which a machine may lack: those formats are then unavailable, with a reason.
"""
