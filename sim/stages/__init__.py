"""The stages of a school year, one module each, run by CountyModel.step in this order:
demography -> enrollment -> labour -> learning -> progression."""
