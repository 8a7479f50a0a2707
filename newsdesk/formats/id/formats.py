# How our pages write dates and times in Indonesian: "12 Sep 2023, 14.30", months as Indonesian
# writes them ("Agu", "Okt", "Des"), hours with a point (the rest: Django's).
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H.i"
TIME_FORMAT = "H.i.s"
