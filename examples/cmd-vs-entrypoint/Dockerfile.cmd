FROM python:alpine3.19
COPY . .
RUN pip install -r requirements.txt
CMD ["python", "server_one.py"]
