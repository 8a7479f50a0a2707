# How our pages write dates and times in English: "12 Sep 2023, 14:30" (the rest: Django's).
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i:s"
