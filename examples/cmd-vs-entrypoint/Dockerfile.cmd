FROM localhost/python:3.11-bookworm
COPY . .
RUN pip install -r requirements.txt
CMD ["python", "server_one.py"]
