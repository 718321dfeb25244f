"""On-call schedules: the configuration model, the rotation math and the iCal export."""
