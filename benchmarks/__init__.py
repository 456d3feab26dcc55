"""Speed and memory of lossbook against torch and the reference libraries (``make bench``)."""
