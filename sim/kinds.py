"""Codes for school types, place kinds and school stages, shared by every layer."""

SCHOOL_TYPES = ("urban_quality", "urban_ordinary", "town_seat", "village", "teaching_point")
URBAN_QUALITY, URBAN_ORDINARY, TOWN_SEAT, VILLAGE, TEACHING_POINT = range(5)
URBAN_PLACE, TOWN_SEAT_PLACE, VILLAGE_PLACE = range(3)
STAGES = {"primary": (1, 6), "middle": (7, 9), "nine_year": (1, 9), "lower_primary": (1, 3)}
